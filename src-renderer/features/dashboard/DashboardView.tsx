import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { dashboardAggregator, type DashboardSnapshot } from '../../live/dashboard-aggregator';
import { useAppStore } from '../../store';
import { selectDashboardWindow } from '../../store/dashboard/selectors';
import { DASHBOARD_WINDOWS } from '../../store/dashboard/state';
import { selectUpstreamStatus } from '../../store/upstreams/selectors';
import { healthSegments, type HealthSegment } from './health-timeline';
import './dashboard.css';

const STATUS_COLORS: Record<string, string> = {
  '2xx': 'var(--good)',
  '3xx': 'var(--accent)',
  '4xx': 'var(--warn)',
  '5xx': 'var(--bad)',
  error: 'var(--node-listener)',
  '1xx': 'var(--muted)',
};
const SHARE_COLORS = ['var(--accent)', 'var(--good)', 'var(--warn)', 'var(--node-listener)', 'var(--node-upstream)', 'var(--bad)', 'var(--node-policy)', 'var(--muted)'];

const AXIS = { stroke: 'var(--muted)', fontSize: 11 };
const TOOLTIP_STYLE = { background: 'var(--panel)', border: '1px solid var(--border)', borderRadius: 6, fontSize: 12, color: 'var(--text)' };

function clock(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function ms(v: number | null): string {
  if (v === null) return '—';
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 10 ? 1 : 0)} ms`;
}

/** Re-render every `intervalMs` so the window slides while no events arrive. */
function useTick(intervalMs: number): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const id = setInterval(() => {
      if (!document.hidden) setTick((t) => t + 1);
    }, intervalMs);
    return () => clearInterval(id);
  }, [intervalMs]);
  return tick;
}

function Panel({ title, children, wide }: { title: string; children: React.ReactNode; wide?: boolean }) {
  return (
    <section className={`dash-panel${wide ? ' wide' : ''}`}>
      <h2>{title}</h2>
      <div className="dash-chart">{children}</div>
    </section>
  );
}

function Totals({ snap }: { snap: DashboardSnapshot }) {
  const t = snap.totals;
  return (
    <div className="dash-totals" data-testid="dash-totals">
      <div>
        <span className="muted small">requests</span>
        <strong>{t.requests}</strong>
      </div>
      <div>
        <span className="muted small">avg req/s</span>
        <strong>{t.rps.toFixed(t.rps < 10 ? 2 : 0)}</strong>
      </div>
      <div>
        <span className="muted small">p50</span>
        <strong>{ms(t.p50)}</strong>
      </div>
      <div>
        <span className="muted small">p95</span>
        <strong>{ms(t.p95)}</strong>
      </div>
      <div>
        <span className="muted small">p99</span>
        <strong>{ms(t.p99)}</strong>
      </div>
      <div>
        <span className="muted small">5xx + errors</span>
        <strong className={t.errorRate > 0.05 ? 'bad' : ''}>{(t.errorRate * 100).toFixed(1)}%</strong>
      </div>
    </div>
  );
}

function HealthTimeline({ snap }: { snap: DashboardSnapshot }) {
  const status = useAppStore(selectUpstreamStatus);
  const rows = useMemo(() => {
    const keys = new Map<string, boolean | null>();
    for (const [up, targets] of Object.entries(status)) for (const t of targets) keys.set(`${up}/${t.url}`, t.available);
    for (const k of snap.health.keys()) if (!keys.has(k)) keys.set(k, null);
    const span = snap.to + 1000 - snap.from;
    return [...keys]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, current]) => ({
        key,
        segments: healthSegments(snap.health.get(key) ?? [], snap.from, snap.to + 1000, current),
        span,
      }));
  }, [status, snap]);
  if (rows.length === 0) return <p className="muted small">No upstream targets in the running config.</p>;
  const title = (s: HealthSegment) => `${s.state} ${clock(s.start)}–${clock(s.end)}${s.reason ? ` — ${s.source}: ${s.reason}` : ''}`;
  return (
    <div className="health-timeline" data-testid="health-timeline">
      {rows.map((r) => (
        <div className="ht-row" key={r.key}>
          <span className="ht-label mono small" title={r.key}>
            {r.key}
          </span>
          <div className="ht-bar">
            {r.segments.map((s) => (
              <span
                key={s.start}
                className={`ht-seg ${s.state}`}
                style={{ left: `${((s.start - snap.from) / r.span) * 100}%`, width: `${((s.end - s.start) / r.span) * 100}%` }}
                title={title(s)}
              />
            ))}
          </div>
        </div>
      ))}
      <div className="ht-axis muted small">
        <span>{clock(snap.from)}</span>
        <span>{clock(snap.to)}</span>
      </div>
    </div>
  );
}

export function DashboardView() {
  const agg = dashboardAggregator();
  const version = useSyncExternalStore(agg.subscribe, agg.version);
  const tick = useTick(1000);
  const windowSeconds = useAppStore(selectDashboardWindow);
  const setWindow = useAppStore((s) => s.setDashboardWindow);
  const streamState = useAppStore((s) => s.stream.state);
  const refreshUpstreams = useAppStore((s) => s.refreshUpstreams);

  useEffect(() => {
    void refreshUpstreams();
  }, [refreshUpstreams]);

  // version and tick are the triggers: the aggregator is mutable, the snapshot is a copy.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const snap = useMemo(() => agg.snapshot(windowSeconds), [agg, windowSeconds, version, tick]);
  const shares = useMemo(
    () => snap.shares.map((s) => ({ name: `${s.upstream} → ${s.target}`, requests: s.requests, pct: Math.round(s.share * 1000) / 10 })),
    [snap],
  );
  const interval = Math.max(0, Math.floor(snap.points.length / 6) - 1);

  return (
    <div className="view dashboard-view" data-testid="view-dashboard">
      <header className="view-head">
        <h1>Dashboard</h1>
        <span className="muted view-sub">Live from the event stream, per second; kept in the page for up to 15 minutes.</span>
      </header>
      <div className="toolbar">
        <div className="mode-switch" role="group" aria-label="Window">
          {DASHBOARD_WINDOWS.map((w) => (
            <button
              key={w.seconds}
              type="button"
              className={w.seconds === windowSeconds ? 'on' : ''}
              aria-pressed={w.seconds === windowSeconds}
              onClick={() => setWindow(w.seconds)}
              data-testid={`dash-window-${w.seconds}`}
            >
              {w.label}
            </button>
          ))}
        </div>
        <span className="toolbar-spacer" />
        {streamState !== 'open' && <span className="status-warn small">Event stream {streamState}: the charts are not updating.</span>}
      </div>
      <div className="dash-body">
        <Totals snap={snap} />
        <div className="dash-grid">
          <Panel title="Requests per second">
            <ResponsiveContainer width="100%" height="100%">
              <AreaChart data={snap.points} margin={{ top: 6, right: 12, bottom: 0, left: 0 }}>
                <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
                <XAxis dataKey="time" tickFormatter={clock} interval={interval} tick={AXIS} stroke="var(--border)" />
                <YAxis allowDecimals={false} width={44} tick={AXIS} stroke="var(--border)" />
                <Tooltip labelFormatter={(v) => clock(Number(v))} contentStyle={TOOLTIP_STYLE} />
                <Area type="monotone" dataKey="rps" name="req/s" stroke="var(--accent)" fill="var(--accent-soft)" isAnimationActive={false} />
              </AreaChart>
            </ResponsiveContainer>
          </Panel>
          <Panel title="Latency (p50 / p95 / p99, ms)">
            <ResponsiveContainer width="100%" height="100%">
              <LineChart data={snap.points} margin={{ top: 6, right: 12, bottom: 0, left: 0 }}>
                <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
                <XAxis dataKey="time" tickFormatter={clock} interval={interval} tick={AXIS} stroke="var(--border)" />
                <YAxis width={44} tick={AXIS} stroke="var(--border)" />
                <Tooltip labelFormatter={(v) => clock(Number(v))} formatter={(v) => ms(typeof v === 'number' ? v : null)} contentStyle={TOOLTIP_STYLE} />
                <Legend wrapperStyle={{ fontSize: 12 }} />
                <Line type="monotone" dataKey="p50" stroke="var(--good)" dot={false} isAnimationActive={false} connectNulls={false} />
                <Line type="monotone" dataKey="p95" stroke="var(--warn)" dot={false} isAnimationActive={false} connectNulls={false} />
                <Line type="monotone" dataKey="p99" stroke="var(--bad)" dot={false} isAnimationActive={false} connectNulls={false} />
              </LineChart>
            </ResponsiveContainer>
          </Panel>
          <Panel title="Status classes">
            <ResponsiveContainer width="100%" height="100%">
              <AreaChart data={snap.points} margin={{ top: 6, right: 12, bottom: 0, left: 0 }}>
                <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
                <XAxis dataKey="time" tickFormatter={clock} interval={interval} tick={AXIS} stroke="var(--border)" />
                <YAxis allowDecimals={false} width={44} tick={AXIS} stroke="var(--border)" />
                <Tooltip labelFormatter={(v) => clock(Number(v))} contentStyle={TOOLTIP_STYLE} />
                <Legend wrapperStyle={{ fontSize: 12 }} />
                {(['2xx', '3xx', '4xx', '5xx', 'error'] as const).map((c) => (
                  <Area
                    key={c}
                    type="step"
                    dataKey={c}
                    stackId="status"
                    stroke={STATUS_COLORS[c]}
                    fill={STATUS_COLORS[c]}
                    fillOpacity={0.5}
                    isAnimationActive={false}
                  />
                ))}
              </AreaChart>
            </ResponsiveContainer>
          </Panel>
          <Panel title="Traffic share per upstream target">
            {shares.length === 0 ? (
              <p className="muted small">No proxied requests in this window.</p>
            ) : (
              <ResponsiveContainer width="100%" height="100%">
                <BarChart data={shares} layout="vertical" margin={{ top: 6, right: 24, bottom: 0, left: 0 }}>
                  <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" horizontal={false} />
                  <XAxis type="number" unit="%" domain={[0, 100]} tick={AXIS} stroke="var(--border)" />
                  <YAxis type="category" dataKey="name" width={190} tick={AXIS} stroke="var(--border)" />
                  <Tooltip formatter={(v, _n, item) => `${String(v)}% (${String((item.payload as { requests: number }).requests)} requests)`} contentStyle={TOOLTIP_STYLE} />
                  <Bar dataKey="pct" name="share" isAnimationActive={false}>
                    {shares.map((s, i) => (
                      <Cell key={s.name} fill={SHARE_COLORS[i % SHARE_COLORS.length]} />
                    ))}
                  </Bar>
                </BarChart>
              </ResponsiveContainer>
            )}
          </Panel>
          <Panel title="Health per target" wide>
            <HealthTimeline snap={snap} />
          </Panel>
        </div>
      </div>
    </div>
  );
}
