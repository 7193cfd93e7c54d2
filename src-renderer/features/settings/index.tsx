import { SettingsView } from './SettingsView';

/** Theme, app info, history statistics and the local CA. */
export default function SettingsRoute() {
  return <SettingsView />;
}
