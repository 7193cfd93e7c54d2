import { Background, Controls, ReactFlow, useReactFlow, type NodeMouseHandler } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useEffect, useMemo, useRef, type KeyboardEvent } from 'react';
import { useColorScheme } from '../../app/theme';
import { WorkspaceActions } from '../../shared/workspace/WorkspaceActions';
import { WorkspaceBanners } from '../../shared/workspace/WorkspaceBanners';
import { useAppStore } from '../../store';
import { selectDesignerSelection, selectionForNode, selectionNodeId } from '../../store/designer/selectors';
import { selectDraft, selectWorkspaceStatus } from '../../store/workspace/selectors';
import { buildGraph } from './graph';
import { Inspector } from './Inspector';
import { readWorkspace, type WorkspaceModel } from './model';
import { nodeTypes } from './nodes';
import { useUpstreamPolling } from './use-upstream-polling';

const EMPTY: WorkspaceModel = { listeners: [], routes: [], upstreams: [], policies: [] };
const FIT = { padding: 0.1, maxZoom: 1.15 };

/** Refit when the canvas changes size (side panel) or the graph gains or loses boxes. */
function RefitOnChange({ layoutKey }: { layoutKey: string }) {
  const { fitView } = useReactFlow();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    // After the canvas has been resized and React Flow has measured it.
    const id = setTimeout(() => void fitView({ ...FIT, duration: 200 }), 80);
    return () => clearTimeout(id);
  }, [layoutKey, fitView]);
  return null;
}

export function DesignerView() {
  const draft = useAppStore(selectDraft);
  const status = useAppStore(selectWorkspaceStatus);
  const selection = useAppStore(selectDesignerSelection);
  const select = useAppStore((s) => s.selectInDesigner);
  const scheme = useColorScheme();
  useUpstreamPolling();

  // The picture follows the draft. While the YAML does not parse, show the last
  // readable draft (or, right after opening the view, the running config).
  const runningText = useAppStore((s) => s.running?.text ?? '');
  const lastGood = useRef<WorkspaceModel | null>(null);
  const read = useMemo(() => readWorkspace(draft), [draft]);
  const fallback = useMemo(() => {
    const r = readWorkspace(runningText);
    return r.ok ? r.model : EMPTY;
  }, [runningText]);
  if (read.ok) lastGood.current = read.model;
  const model = read.ok ? read.model : (lastGood.current ?? fallback);

  const graph = useMemo(() => buildGraph(model), [model]);
  const selectedId = selectionNodeId(selection);
  const nodes = useMemo(() => graph.nodes.map((n) => (n.id === selectedId ? { ...n, selected: true } : n)), [graph, selectedId]);

  const panelRef = useRef<HTMLElement>(null);
  const onNodeClick: NodeMouseHandler = (_e, node) => select(selectionForNode(node.id));
  // React Flow makes the boxes focusable, but Enter on one only marks it selected: open its form as a click does.
  const onCanvasKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key !== 'Enter' && e.key !== ' ') return;
    const id = (e.target as Element).closest('.react-flow__node')?.getAttribute('data-id');
    if (!id) return;
    e.preventDefault();
    select(selectionForNode(id));
    // The canvas refits around the opened panel and the box loses the focus: continue in the form.
    requestAnimationFrame(() => panelRef.current?.querySelector<HTMLElement>('input, select, textarea, button')?.focus());
  };

  return (
    <div className="view designer-view" data-testid="view-designer">
      <header className="view-head">
        <h1>Designer</h1>
        <span className="muted view-sub">Click a box to edit it. Saving writes the YAML draft; Apply makes it run.</span>
      </header>
      <WorkspaceActions>
        <button type="button" onClick={() => select({ kind: 'new-route' })} disabled={!read.ok} data-testid="add-route">
          + Route
        </button>
        <button type="button" onClick={() => select({ kind: 'new-upstream' })} disabled={!read.ok} data-testid="add-upstream">
          + Upstream
        </button>
      </WorkspaceActions>
      <WorkspaceBanners />
      {!read.ok && (
        <div className="banner warn" role="alert">
          The YAML does not parse ({read.error}); showing the last readable picture. Fix it in the Routes editor.
        </div>
      )}
      <div className="designer-body">
        <div className="designer-canvas" data-testid="designer-canvas" onKeyDown={onCanvasKeyDown}>
          {status === 'ready' ? (
            <ReactFlow
              nodes={nodes}
              edges={graph.edges}
              nodeTypes={nodeTypes}
              colorMode={scheme}
              onNodeClick={onNodeClick}
              onPaneClick={() => select(null)}
              nodesDraggable={false}
              nodesConnectable={false}
              elementsSelectable
              fitView
              fitViewOptions={FIT}
              minZoom={0.2}
              proOptions={{ hideAttribution: true }}
            >
              <Background gap={24} size={1} />
              <Controls showInteractive={false} />
              <RefitOnChange layoutKey={`${selection ? 'panel' : 'full'}|${graph.nodes.map((n) => n.id).join(',')}`} />
            </ReactFlow>
          ) : (
            <p className="muted pad">Loading the workspace…</p>
          )}
          <ColumnLegend />
        </div>
        {selection && read.ok && (
          <aside className="designer-panel" aria-label="Edit" ref={panelRef}>
            <Inspector key={JSON.stringify(selection)} model={model} selection={selection} />
          </aside>
        )}
      </div>
    </div>
  );
}

function ColumnLegend() {
  return (
    <div className="legend" aria-hidden>
      <span>
        <i className="health-dot healthy" /> healthy
      </span>
      <span>
        <i className="health-dot unhealthy" /> unhealthy
      </span>
      <span>
        <i className="health-dot ejected" /> ejected
      </span>
      <span>
        <i className="health-dot drained" /> drained / not running
      </span>
    </div>
  );
}
