// The Listeners view: addresses, modes (switchable through the YAML draft), TLS, forward-proxy how-to.
export { ListenersView as default } from './ListenersView';
