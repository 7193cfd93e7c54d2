/** How to make a system, a browser or Node trust the local CA; shown by `switchyard ca install-help` and the workbench. */
export function caInstallHelp(certPath: string): string {
  const q = JSON.stringify(certPath);
  return `Trust the Switchyard Local CA (${certPath})

Linux (Debian, Ubuntu):
  sudo cp ${q} /usr/local/share/ca-certificates/switchyard-local-ca.crt
  sudo update-ca-certificates
Linux (Fedora, RHEL, Arch — p11-kit):
  sudo trust anchor --store ${q}

macOS:
  sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${q}

Windows (elevated prompt):
  certutil -addstore -f ROOT ${q}

Firefox (keeps its own store):
  Settings → Privacy & Security → Certificates → View Certificates → Authorities → Import, or
  set the enterprise policy  "Certificates": { "Install": [${q}] }  in policies.json, or
  certutil -A -n "Switchyard Local CA" -t "C,," -i ${q} -d sql:$HOME/.mozilla/firefox/<profile>
  (Firefox 120+ can also read the OS store: security.enterprise_roots.enabled = true)

Node.js:
  export NODE_EXTRA_CA_CERTS=${q}

curl:
  curl --cacert ${q} https://…

The CA key stays in the same folder (mode 0600). Anyone holding it can issue certificates your
machine trusts: keep it private, and remove the CA from your trust stores when you no longer need it.
`;
}
