/**
 * The live inspector under load: 2,000 exchanges/s for 10 s through the
 * gateway while the Traffic view is open. The page must stay responsive
 * (frame times and long tasks measured in the page, a row click opens the
 * detail pane), its heap must stay bounded, and the gateway must really have
 * carried the load. The figures are printed and attached to the report.
 */
import { writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { startLoad } from './fixtures/load.js';
import { heapUsedBytes, startRecording, stopRecording } from './fixtures/page-metrics.js';
import { expect, openWorkbench, send, test } from './fixtures/test.js';

const RATE = 2000;
const DURATION_MS = 10_000;
/** Generous bounds: they catch a frozen or leaking page, not a slow machine. */
const MAX_LONG_TASK_MS = 1000;
const MAX_CLICK_TO_DETAIL_MS = 5000;
const MAX_HEAP_GROWTH_MB = 150;
/** Above this the machine is too busy for the timings to mean anything (see the end of the test). */
const MAX_LOAD_PER_CORE = 4;

// Playwright's tracer (on for the other specs, kept on failure) snapshots the page and
// screencasts it: work that would be measured here as the page's own.
test.use({ trace: 'off' });

test('2,000 exchanges/s for 10 s with the Traffic view open', async ({ page, switchyard }, testInfo) => {
  test.setTimeout(120_000);
  const { host } = switchyard;
  await openWorkbench(page, host, 'traffic');
  // Warm the path (connections, JIT, first row) so the measurement is of steady state.
  for (let i = 0; i < 20; i++) expect((await send(host.gateway, `/api/warm/${i}`)).status).toBe(200);
  await expect(page.getByTestId('traffic-count')).toContainText('20 exchanges');
  await page.getByTestId('traffic-clear').click();

  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const heapBefore = await heapUsedBytes(cdp);
  await startRecording(page);

  const load = startLoad(host.gateway, { rate: RATE, durationMs: DURATION_MS, path: (i) => `/api/items/${i}?q=${i % 97}`, connections: 128, maxInFlight: 1024 });

  // Halfway through, a person stops following and clicks the row in the middle
  // of the list, where it is on the screen (rows slide under the pointer while
  // traffic flows; whichever is there opens). Clicking at once, before the
  // first rows arrived, could hit the empty list (it failed 2 runs in 6 here).
  await expect
    .poll(async () => seenInView(await page.getByTestId('traffic-count').innerText()), { timeout: DURATION_MS })
    .toBeGreaterThanOrEqual((RATE * DURATION_MS) / 2000);
  await page.getByTestId('traffic-follow').uncheck();
  const list = await page.getByTestId('traffic-list').boundingBox();
  if (list === null) throw new Error('the traffic list is not on screen');
  const clickedAt = Date.now();
  await page.mouse.click(list.x + list.width / 3, list.y + list.height / 2);
  await expect(page.getByTestId('response-body')).toBeVisible({ timeout: 10_000 });
  const clickToDetailMs = Date.now() - clickedAt;
  await page.getByRole('button', { name: 'Close detail' }).click();
  await page.getByTestId('traffic-follow').check();

  const result = await load.done;
  // Let the last event batches arrive and render.
  const total = result.completed;
  await expect
    .poll(async () => seenInView(await page.getByTestId('traffic-count').innerText()), { timeout: 15_000 })
    .toBeGreaterThanOrEqual(total);
  const frames = await stopRecording(page);
  const heapAfter = await heapUsedBytes(cdp);
  const countText = await page.getByTestId('traffic-count').innerText();

  const figures = {
    load: { ...result, achievedRate: Math.round(result.achievedRate) },
    trafficView: countText,
    frames: { ...frames, p50: round(frames.p50), p95: round(frames.p95), max: round(frames.max), longTaskTotalMs: round(frames.longTaskTotalMs), longTaskMaxMs: round(frames.longTaskMaxMs) },
    clickToDetailMs,
    heapMB: { before: mb(heapBefore), after: mb(heapAfter), growth: mb(heapAfter - heapBefore) },
    /** How busy the machine was (1-minute load average): contention stretches every figure above. */
    loadAverage: round(loadavg()[0]),
  };
  console.log(`performance figures:\n${JSON.stringify(figures, null, 2)}`);
  await testInfo.attach('performance.json', { body: JSON.stringify(figures, null, 2), contentType: 'application/json' });
  await writeFile(testInfo.outputPath('performance.json'), JSON.stringify(figures, null, 2));

  // The gateway carried the load: every scheduled request answered 200.
  expect(result.errors).toBe(0);
  expect(result.completed).toBe(result.scheduled);
  expect(result.ok).toBe(result.completed);
  // The page kept up: it accounted for every exchange, kept drawing frames, and its heap stayed bounded.
  expect(seenInView(countText)).toBeGreaterThanOrEqual(result.completed);
  expect(frames.frames).toBeGreaterThan(100);
  expect(heapAfter - heapBefore).toBeLessThan(MAX_HEAP_GROWTH_MB * 1024 * 1024);

  // Timings. The rate reached depends on the machine (tests assert no speed; bench/ does): it is
  // reported. When other processes starve the CPU (a load average over 4 per core, more than this
  // test can cause on its own), the timings measure the machine, not the page: they are reported
  // and their assertions skipped, with the reason.
  testInfo.annotations.push({ type: 'rate', description: `${Math.round(result.achievedRate)} exchanges/s achieved of ${RATE} asked` });
  const perCore = loadavg()[0] / availableParallelism();
  if (result.achievedRate < RATE * 0.9 && perCore > MAX_LOAD_PER_CORE) {
    const reason = `CPU starved by other processes (load average ${round(loadavg()[0])} on ${availableParallelism()} cores); ${Math.round(result.achievedRate)}/s of ${RATE}/s reached, timings reported above but not asserted`;
    console.log(`performance.spec: skipped: ${reason}`);
    test.skip(true, reason);
  }
  expect(frames.longTaskMaxMs).toBeLessThan(MAX_LONG_TASK_MS);
  expect(clickToDetailMs).toBeLessThan(MAX_CLICK_TO_DETAIL_MS);
});

/** "10,000 exchanges · 10,020 older moved out (in History)" → 20,020 seen. */
function seenInView(text: string): number {
  const num = (re: RegExp) => Number((re.exec(text)?.[1] ?? '0').replace(/[^\d]/g, ''));
  return num(/([\d,.\s]+) exchanges/) + num(/([\d,.\s]+) older moved out/);
}

const round = (n: number) => Math.round(n * 10) / 10;
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
