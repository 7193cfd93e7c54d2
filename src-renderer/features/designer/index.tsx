// The Designer view (lazy chunk: React Flow loads with it).
export { DesignerView as default } from './DesignerView';
