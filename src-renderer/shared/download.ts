/**
 * Save text as a file through the browser's download (in the desktop app,
 * Electron's save dialog): an object URL on a temporary <a download>.
 */
export function downloadText(fileName: string, text: string, type = 'text/plain'): void {
  const url = URL.createObjectURL(new Blob([text], { type: blobType(fileName, type) }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // Revoke after the click has been handled (revoking at once cancels the download in some browsers).
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Chromium appends ".txt" to a text/plain download whose name has no
 * extension ("Caddyfile" became "Caddyfile.txt"); a generic type keeps the name.
 */
export function blobType(fileName: string, type: string): string {
  return fileName.includes('.') ? `${type};charset=utf-8` : 'application/octet-stream';
}
