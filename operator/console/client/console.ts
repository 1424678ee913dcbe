/**
 * The console's only script, bundled by esbuild with Chart.js and Pico CSS (no CDN): the
 * per-hour chart, and a confirmation before an action that changes state.
 */
import '@picocss/pico/css/pico.min.css';
import './console.css';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const COLOURS: Record<string, string> = {
  paid: '#2e7d32',
  pending: '#1e88e5',
  in_transit: '#64b5f6',
  processing: '#fbc02d',
  unknown: '#fb8c00',
  failed: '#c62828',
  canceled: '#ad1457',
  reversed: '#6a1b9a',
  rejected: '#9e9e9e',
};

interface HourlyCounts {
  hours: string[];
  byStatus: Record<string, number[]>;
}

function drawChart(): void {
  const canvas = document.getElementById('cash-outs-per-hour') as HTMLCanvasElement | null;
  const data = document.getElementById('cash-outs-per-hour-data');
  if (!canvas || !data?.textContent) return;
  const counts = JSON.parse(data.textContent) as HourlyCounts;
  new Chart(canvas, {
    type: 'bar',
    data: {
      labels: counts.hours.map((hour) => `${hour.slice(11, 13)}:00`),
      datasets: Object.entries(counts.byStatus).map(([status, values]) => ({
        label: status,
        data: values,
        backgroundColor: COLOURS[status] ?? '#757575',
      })),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: { stacked: true, title: { display: true, text: 'hour received (UTC)' } },
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
      },
      plugins: { legend: { position: 'bottom' } },
    },
  });
}

/** A button with `data-confirm` asks first; the forms also show a preview before anything is done. */
function confirmActions(): void {
  document.addEventListener('click', (event) => {
    const button = (event.target as Element | null)?.closest('button[data-confirm]');
    if (button && !window.confirm(button.getAttribute('data-confirm') ?? 'Are you sure?')) event.preventDefault();
  });
}

drawChart();
confirmActions();
