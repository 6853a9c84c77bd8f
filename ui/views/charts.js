// Every built-in machine's state chart, drawn once each in the page with the local Graphviz
// bundle, with live counts per state as badges (only they and the classes change on an update).
// A state is highlighted from the address: #charts?machine=job&state=running, or the state of a
// selected job (?job=<id>), actor (?actor=<id>) or breaker (?breaker=<name>), read live.
import { get } from '../api.js';
import { h, notice, setText, time } from '../dom.js';
import { drawChart } from '../statechart.js';

/** Finds the node of `id` in the tree. */
function find(node, id) {
  if (!node) return undefined;
  if (node.id === id) return node;
  for (const child of node.children ?? []) {
    const found = find(child, id);
    if (found) return found;
  }
  return undefined;
}

/** The machine and state the address selects, read now: { machine, state, what } or null. */
async function selection(params) {
  const job = params.get('job');
  if (job) {
    try {
      const { job: found } = await get('api/jobs/' + encodeURIComponent(job));
      return { machine: 'job', state: found.status, what: 'job ' + job };
    } catch (error) {
      return { machine: 'job', state: null, what: 'job ' + job + ' (' + error.message + ')' };
    }
  }
  const actor = params.get('actor');
  if (actor) {
    const snapshot = await get('api/tree');
    const node = find(snapshot?.body, actor);
    if (!node) return { machine: null, state: null, what: 'actor ' + actor + ' (not in the tree)' };
    const machine = node.kind === 'supervisor' ? 'supervisor' : 'actor';
    return { machine, state: node.state, what: 'actor ' + actor };
  }
  const breaker = params.get('breaker');
  if (breaker) {
    const snapshot = await get('api/breakers');
    const found = (snapshot?.body ?? []).find((b) => b.name === breaker);
    return { machine: 'breaker', state: found?.state ?? null, what: 'breaker ' + breaker };
  }
  const machine = params.get('machine');
  return machine ? { machine, state: params.get('state'), what: null } : null;
}

export default {
  name: 'charts',
  title: 'Charts',
  mount(root, params, ctx) {
    const message = h('div', { class: 'notice', hidden: true });
    const selected = h('p', { id: 'chart-selection', class: 'muted', hidden: true });
    const sections = h('div', { id: 'charts' });
    root.append(message, selected, sections);
    const charts = new Map(); // machine -> { section, handle, drawing }
    // A job state with a count opens the jobs list filtered by it.
    sections.addEventListener('click', (event) => {
      const group = event.target.closest('svg[data-machine="job"] g[data-count]');
      if (group && ctx.statuses.includes(group.dataset.state)) {
        ctx.navigate('jobs', { status: group.dataset.state });
      }
    });

    return {
      async update() {
        const [{ machines }, chosen] = await Promise.all([get('api/charts'), selection(params)]);
        notice(message, null);
        selected.hidden = !chosen?.what;
        if (chosen?.what)
          setText(selected, 'Showing ' + chosen.what + ': ' + (chosen.state ?? 'unknown'));
        for (const { name, counts, source, at } of machines) {
          let chart = charts.get(name);
          if (!chart) {
            const box = h('div', { class: 'chart' });
            const note = h('span', { class: 'muted source' });
            const section = h(
              'section',
              { 'data-machine': name },
              h('h2', {}, name + ' ', note),
              box,
            );
            sections.append(section);
            chart = { section, note, handle: null };
            chart.drawing = drawChart(box, name).then((handle) => (chart.handle = handle));
            charts.set(name, chart);
          }
          setText(
            chart.note,
            'counts from ' + source + (at === null ? '' : ' of ' + time(at) + ' UTC'),
          );
          try {
            await chart.drawing;
          } catch (error) {
            charts.delete(name); // drawn again on the next update
            chart.section.remove();
            notice(message, name + ': ' + error.message, 'error');
            continue;
          }
          const current = chosen?.machine === name ? chosen.state : null;
          chart.handle.set(counts, current);
          chart.section.classList.toggle('selected', chosen?.machine === name);
        }
      },
    };
  },
};
