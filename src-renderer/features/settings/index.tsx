import { Placeholder } from '../../app/Placeholder';

/** Placeholder: replace with the Settings view (see app/views.ts for its one-line brief). */
export default function SettingsView() {
  return <Placeholder view="settings" />;
}
