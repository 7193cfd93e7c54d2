// The Upstreams view: per-target health, load and error rate; drain / re-enable by hand.
export { UpstreamsView as default } from './UpstreamsView';
