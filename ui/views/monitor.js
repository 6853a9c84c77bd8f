// The monitor (api/monitor): processing rate, error rate, queue depth by priority, average
// duration by type and pool utilisation as Chart.js charts (the locally served vendor/chart.js,
// global `Chart`, loaded once), and the top failure reasons as a table. Each chart is made once;
// an update gives it new data and redraws it without animation.
import { get } from '../api.js';
import { h, notice, patchRows, setText, time } from '../dom.js';
import { scrollTable, scriptGlobal } from './parts.js';

/** Live changes re-read the report at most this often. */
const monitorRefreshMs = 2000;

/** Chart.js, loaded once: the locally served bundle defines `Chart`. */
const chartJs = () => scriptGlobal('vendor/chart.js', 'Chart');

/** `HH:MM:SS` (UTC) of a time, for an axis label. */
const clockTime = (ms) => time(ms).slice(11);

const palette = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777'];

/** The charts: each a canvas id, a title, a type and how its data comes from the report. */
const charts = [
  {
    id: 'monitor-processing',
    title: 'Processing rate (jobs finished / min)',
    type: 'line',
    data: (report) => ({
      labels: report.processing.map((point) => clockTime(point.at)),
      datasets: [
        {
          label: 'finished / min',
          data: report.processing.map((point) => Math.round(point.perMinute * 10) / 10),
        },
      ],
    }),
  },
  {
    id: 'monitor-errors',
    title: 'Error rate (error events / min, last hour)',
    type: 'line',
    data: (report) => ({
      labels: report.errors.perMinute.map((bucket) => clockTime(bucket.at).slice(0, 5)),
      datasets: [{ label: 'errors / min', data: report.errors.perMinute.map((b) => b.count) }],
    }),
  },
  {
    id: 'monitor-queue',
    title: 'Queue depth by priority',
    type: 'bar',
    data: (report) => ({
      labels: report.queueDepth.map((row) => 'priority ' + row.priority),
      datasets: [{ label: 'queued', data: report.queueDepth.map((row) => row.count) }],
    }),
  },
  {
    id: 'monitor-durations',
    title: 'Average duration by type (ms, newest finished jobs)',
    type: 'bar',
    data: (report) => ({
      labels: report.durations.map((row) => row.type),
      datasets: [{ label: 'average ms', data: report.durations.map((row) => row.avgMs) }],
    }),
  },
  {
    id: 'monitor-pools',
    title: 'Pool utilisation (%)',
    type: 'line',
    data: (report) => ({
      labels: report.pools.samples.map((sample) => clockTime(sample.at)),
      datasets: report.pools.names.map((name) => ({
        label: name,
        data: report.pools.samples.map((sample) =>
          sample.utilisation[name] === undefined
            ? null
            : Math.round(sample.utilisation[name] * 100),
        ),
      })),
    }),
  },
];

/** Colours each dataset from the palette, by position. */
function coloured(data) {
  data.datasets.forEach((dataset, i) => {
    const colour = palette[i % palette.length];
    dataset.borderColor = colour;
    dataset.backgroundColor = colour + '99';
    dataset.pointRadius = 2; // a single sample still shows
  });
  return data;
}

export default {
  name: 'monitor',
  title: 'Monitor',
  mount(root, params, ctx) {
    const message = h('div', { id: 'monitor-notice', class: 'notice', hidden: true });
    const sampled = h('p', { id: 'monitor-sampled', class: 'muted' });
    const grid = h('div', {
      id: 'monitor',
      style: 'display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px',
    });
    const failures = h('tbody', { id: 'monitor-failures' });
    root.append(
      message,
      sampled,
      grid,
      h('h2', {}, 'Top failure reasons (newest job error events)'),
      scrollTable(['Count', 'Code', 'Message', 'Last (UTC)'], failures),
    );
    const canvases = new Map();
    for (const spec of charts) {
      const canvas = h('canvas', { id: spec.id, 'aria-label': spec.title });
      canvases.set(spec.id, canvas);
      grid.append(
        h(
          'section',
          { 'data-chart': spec.id },
          h('h2', {}, spec.title),
          h('div', { style: 'position:relative;height:220px' }, canvas),
        ),
      );
    }
    const made = new Map(); // id -> Chart
    let gone = false;
    let readAt = 0;
    let trailing = null;

    return {
      async update() {
        // The report reads up to a few tens of ms at a million jobs, and its figures move by
        // the minute: live changes re-read it at most every 2 s, the last of a burst included.
        const wait = readAt + monitorRefreshMs - Date.now();
        if (wait > 0) {
          if (!trailing) trailing = setTimeout(() => ((trailing = null), ctx.refresh()), wait);
          return;
        }
        readAt = Date.now();
        const [Chart, report] = await Promise.all([chartJs(), get('api/monitor')]);
        if (gone) return;
        notice(message, null);
        setText(
          sampled,
          'Sampled every ' +
            report.sampleMs / 1000 +
            ' s; read at ' +
            time(report.at) +
            ' UTC' +
            (report.errors.capped ? ' (error rate capped: the hour held more events)' : ''),
        );
        for (const spec of charts) {
          const data = coloured(spec.data(report));
          const chart = made.get(spec.id);
          if (!chart) {
            made.set(
              spec.id,
              new Chart(canvases.get(spec.id), {
                type: spec.type,
                data,
                options: {
                  animation: false,
                  responsive: true,
                  maintainAspectRatio: false,
                  spanGaps: true,
                  scales: { y: { beginAtZero: true } },
                  plugins: { legend: { display: spec.id === 'monitor-pools' } },
                },
              }),
            );
          } else {
            chart.data = data;
            chart.update('none');
          }
        }
        patchRows(
          failures,
          report.failures,
          (row) => JSON.stringify([row.code, row.message]),
          (row) => [String(row.count), row.code ?? '', row.message, time(row.lastAt)],
        );
      },
      unmount() {
        gone = true;
        clearTimeout(trailing);
        for (const chart of made.values()) chart.destroy();
        made.clear();
      },
    };
  },
};
