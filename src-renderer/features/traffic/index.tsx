import { sharedTrafficBuffer } from '../../live/traffic-buffer';
import { useControl } from '../../shared/exchange-detail/control-context';
import { TrafficView } from './TrafficView';

/** The live inspector: the page's traffic buffer, filtered and virtualised, with the shared detail pane. */
export default function TrafficRoute() {
  return <TrafficView buffer={sharedTrafficBuffer()} control={useControl()} />;
}
