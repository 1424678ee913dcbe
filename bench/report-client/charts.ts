/**
 * bench/report.html's script: draws the figures embedded in the page (`#bench-data`) with
 * Chart.js, bundled into the page by bench/report-html.ts (no CDN).
 */
import Chart from 'chart.js/auto';

interface Data {
  warm: { id: string; distribution: { p: number; ms: number }[] }[];
  load: { id: string; levels: { concurrency: number; requestsPerSecond: number; latency: { p99: number } }[] }[];
}

const data = JSON.parse(document.getElementById('bench-data')!.textContent ?? '{}') as Data;
/** One colour per target in every chart; the floors grey, the peer red. */
const BY_ID: Record<string, string> = {
  floor: '#555',
  'village floor': '#aaa',
  'village-cash-out': '#9467bd',
  'just-wallet': '#1f77b4',
  'stripe-events': '#2ca02c',
  peer: '#d62728',
};
const OTHERS = ['#8c564b', '#e377c2', '#ff7f0e', '#17becf'];
const colour = (id: string, index: number) => BY_ID[id] ?? OTHERS[index % OTHERS.length]!;

Chart.defaults.animation = false;

// Latency of new events, warm, in process: each target's value at each percentile.
const percentiles = data.warm[0]?.distribution.map((point) => `p${point.p}`) ?? [];
new Chart(document.getElementById('latency') as HTMLCanvasElement, {
  type: 'line',
  data: {
    labels: percentiles,
    datasets: data.warm.map((target, index) => ({
      label: target.id,
      data: target.distribution.map((point) => point.ms),
      borderColor: colour(target.id, index),
      backgroundColor: colour(target.id, index),
      borderDash: target.id.includes('floor') ? [6, 4] : [],
    })),
  },
  options: {
    maintainAspectRatio: false,
    scales: {
      y: { type: 'logarithmic', title: { display: true, text: 'ms (log scale)' } },
      x: { title: { display: true, text: 'percentile' } },
    },
    plugins: { title: { display: true, text: 'Warm latency distribution, new events' } },
  },
});

const senders = [...new Set(data.load.flatMap((target) => target.levels.map((level) => level.concurrency)))].sort((a, b) => a - b);
const series = (pick: (level: Data['load'][number]['levels'][number]) => number) =>
  data.load.map((target, index) => ({
    label: target.id,
    data: senders.map((n) => {
      const level = target.levels.find((l) => l.concurrency === n);
      return level ? pick(level) : null;
    }),
    borderColor: colour(target.id, index),
    backgroundColor: colour(target.id, index),
  }));
/** One line per target over the concurrency levels of the load run. */
const loadChart = (canvasId: string, pick: (level: Data['load'][number]['levels'][number]) => number, unit: string, title: string) =>
  new Chart(document.getElementById(canvasId) as HTMLCanvasElement, {
    type: 'line',
    data: { labels: senders.map(String), datasets: series(pick) },
    options: {
      maintainAspectRatio: false,
      scales: {
        y: { beginAtZero: true, title: { display: true, text: unit } },
        x: { title: { display: true, text: 'concurrent senders' } },
      },
      plugins: { title: { display: true, text: title } },
    },
  });
loadChart('throughput', (level) => level.requestsPerSecond, 'events/s', 'Throughput through the local gateway');
loadChart('load-p99', (level) => level.latency.p99, 'p99 ms', 'p99 latency under load');
