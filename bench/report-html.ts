import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Report } from './report.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const HTML_REPORT_FILE = path.join(HERE, 'report.html');

/** What the page draws: the warm distributions and the load run (a Report has them). */
export type HtmlReportData = Pick<Report, 'warm' | 'load' | 'mode' | 'machine' | 'peer'> & { startedAt: string };

/** The page's script: bench/report-client/charts.ts with Chart.js, bundled by esbuild as the console's assets are. */
async function bundleCharts(): Promise<string> {
  const result = await build({
    entryPoints: [path.join(HERE, 'report-client', 'charts.ts')],
    bundle: true,
    write: false,
    minify: true,
    format: 'iife',
    target: 'es2020',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The charts as one self-contained HTML page: figures and script inline, nothing fetched. */
export async function renderHtmlReport(report: HtmlReportData): Promise<string> {
  const data = {
    warm: report.warm.filter((w) => w.distribution?.length).map((w) => ({ id: w.id, distribution: w.distribution })),
    load: 'skipped' in report.load ? [] : report.load,
  };
  // Inside <script>, "<" is the only character that could end it early.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const m = report.machine;
  const peer = report.peer
    ? `<p>${escapeHtml(report.peer.routeId)} against the peer: warm p50 ${report.peer.warmP50.ratio}×, p99 ${report.peer.warmP99.ratio}×, write units ${report.peer.writeUnits.ratio}×, cost ${report.peer.costPerMillion.ratio}×, cold start ${report.peer.coldStartMs.ratio}×.</p>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>npm run bench: ${escapeHtml(report.startedAt)}</title>
<style>body{font-family:system-ui,sans-serif;margin:1.5rem;max-width:1100px}div.chart{position:relative;height:360px;margin-bottom:2rem}p{color:#444}</style></head>
<body><h1>npm run bench</h1>
<p>${escapeHtml(report.mode)} run of ${escapeHtml(report.startedAt)} on ${m.nproc} × ${escapeHtml(m.cpuModel)}, Node ${escapeHtml(m.node)}; load average ${m.loadAverageAtStart} → ${m.loadAverageAtEnd}. Figures: bench/results.json; reading them: docs/performance.md.</p>
${peer}
<div class="chart"><canvas id="latency"></canvas></div>
<div class="chart"><canvas id="throughput"></canvas></div>
<div class="chart"><canvas id="load-p99"></canvas></div>
<script type="application/json" id="bench-data">${json}</script>
<script>${await bundleCharts()}</script>
</body></html>
`;
}

/** Writes bench/report.html (or `file`) and returns its path. */
export async function writeHtmlReport(report: HtmlReportData, file = HTML_REPORT_FILE): Promise<string> {
  writeFileSync(file, await renderHtmlReport(report));
  return file;
}
