// The supervision tree, live, from the owner's published `tree` snapshot: supervisors (with their
// strategy) as <details> whose open or closed state survives updates, workers with their state,
// restarts and last error, dead ones marked. Clicking an actor selects it (#tree?actor=<id>) and
// draws its machine's chart (actor or supervisor; a slot's and a breaker's too) with its current
// state highlighted and the live counts per state.
import { get } from '../api.js';
import { h, notice, setText, time } from '../dom.js';
import { drawChart } from '../statechart.js';

/** Every node of the tree, depth first. */
function* walk(node) {
  if (!node) return;
  yield node;
  for (const child of node.children ?? []) yield* walk(child);
}

/** The machines an actor's panel draws, each with the state it is in. */
function machinesOf(node, breakers) {
  const machines = [
    { machine: node.kind === 'supervisor' ? 'supervisor' : 'actor', state: node.state },
  ];
  if (node.slot) machines.push({ machine: 'slot', state: node.slot });
  if (node.id.startsWith('breaker:')) {
    const name = node.id.slice('breaker:'.length);
    const breaker = (breakers ?? []).find((b) => b.name === name);
    machines.push({ machine: 'breaker', state: breaker?.state });
  }
  return machines;
}

/** The line of text parts a node shows: its id (a link), state, strategy, restarts, error. */
function line(node) {
  return h(
    'span',
    { class: 'line' },
    h('a', { href: '#tree?actor=' + encodeURIComponent(node.id), class: 'actor' }),
    ' ',
    h('span', { class: 'state' }),
    ' ',
    h('span', { class: 'strategy muted' }),
    ' ',
    h('span', { class: 'restarts muted' }),
    ' ',
    h('span', { class: 'slot muted' }),
    ' ',
    h('span', { class: 'error' }),
  );
}

function createItem(node) {
  const item = h('li', { 'data-id': node.id, 'data-kind': node.kind });
  if (node.kind === 'supervisor') {
    item.append(h('details', { open: true }, h('summary', {}, line(node)), h('ul')));
  } else {
    item.append(line(node));
  }
  return item;
}

function patchItem(item, node) {
  const part = (name) =>
    item.querySelector(':scope > .line .' + name + ', :scope > details > summary > .line .' + name);
  setText(part('actor'), node.id);
  setText(part('state'), node.state + (node.stoppedByHand ? ' (stopped by hand)' : ''));
  part('state').dataset.state = node.state;
  setText(part('strategy'), node.strategy ?? '');
  setText(part('restarts'), node.restarts > 0 ? 'restarts ' + node.restarts : '');
  setText(part('slot'), node.slot ? 'slot ' + node.slot : '');
  setText(part('error'), node.lastError ? node.lastError.message : '');
  item.dataset.state = node.state;
  item.classList.toggle('dead', node.state === 'dead');
  if (node.kind === 'supervisor')
    patchList(item.querySelector(':scope > details > ul'), node.children ?? []);
}

/** Patches `list` (a <ul>) to hold `nodes` in order, reusing the items of ids already shown. */
function patchList(list, nodes) {
  const seen = new Set();
  let previous = null;
  for (const node of nodes) {
    seen.add(node.id);
    let item = [...list.children].find((li) => li.dataset.id === node.id);
    if (item && item.dataset.kind !== node.kind) {
      item.remove();
      item = undefined;
    }
    if (!item) item = createItem(node);
    patchItem(item, node);
    const next = previous ? previous.nextSibling : list.firstChild;
    if (next !== item) list.insertBefore(item, next);
    previous = item;
  }
  for (const item of [...list.children]) if (!seen.has(item.dataset.id)) item.remove();
}

export default {
  name: 'tree',
  title: 'Tree',
  mount(root, params) {
    const status = h('p', { class: 'muted', id: 'tree-published' });
    const message = h('div', { class: 'notice', hidden: true });
    const dead = h('p', { id: 'dead-actors', hidden: true });
    const list = h('ul', { id: 'tree', class: 'tree' });
    const panel = h('section', { id: 'actor', hidden: true });
    root.append(h('div', { class: 'split' }, h('div', {}, status, message, dead, list), panel));

    let selected = params.get('actor');
    let drawn = null; // { id, key, charts: [{ machine, handle }] }
    let last = null; // { tree, breakers, counts }

    list.addEventListener('click', (event) => {
      const link = event.target.closest('a.actor');
      if (!link) return;
      event.preventDefault(); // no hashchange: the view stays mounted, its <details> as they are
      selected = link.textContent;
      history.replaceState(null, '', '#tree?actor=' + encodeURIComponent(selected));
      if (last) show(last);
    });

    const markSelected = () => {
      for (const item of list.querySelectorAll('li.selected')) {
        if (item.dataset.id !== selected) item.classList.remove('selected');
      }
      const item = [...list.querySelectorAll('li[data-id]')].find(
        (li) => li.dataset.id === selected,
      );
      item?.classList.add('selected');
    };

    /** The selected actor's panel: drawn again only when the actor or its machines change. */
    const showPanel = async ({ tree, breakers, counts }) => {
      const node = selected ? [...walk(tree)].find((n) => n.id === selected) : undefined;
      panel.hidden = !selected;
      if (!node) {
        drawn = null;
        panel.replaceChildren(
          ...(selected ? [h('p', { class: 'notice' }, selected + ' is not in the tree now.')] : []),
        );
        return;
      }
      const machines = machinesOf(node, breakers);
      const key = node.id + ' ' + machines.map((m) => m.machine).join(',');
      if (drawn?.key !== key) {
        const charts = machines.map(({ machine }) => ({
          machine,
          box: h('div', { class: 'chart' }),
        }));
        panel.replaceChildren(
          h('h2', { id: 'actor-title' }),
          h('a', { href: '#charts?actor=' + encodeURIComponent(node.id) }, 'Open in Charts'),
          ...charts.flatMap(({ machine, box }) => [h('h3', {}, machine + ' machine'), box]),
        );
        const mine = { key, charts };
        drawn = mine;
        for (const chart of charts) chart.handle = await drawChart(chart.box, chart.machine);
        if (drawn !== mine) return; // another actor was selected meanwhile
      }
      setText(panel.querySelector('#actor-title'), node.id + ' — ' + node.state);
      for (const chart of drawn.charts) {
        const state = machines.find((m) => m.machine === chart.machine)?.state;
        chart.handle?.set(counts.get(chart.machine), state);
      }
    };

    const show = async (data) => {
      last = data;
      markSelected();
      await showPanel(data);
    };

    return {
      async update() {
        const [snapshot, breakers, charts] = await Promise.all([
          get('api/tree'),
          get('api/breakers'),
          get('api/charts'),
        ]);
        if (!snapshot) {
          notice(
            message,
            'The owner has published no tree yet (is a Warden running on this file?).',
          );
          return;
        }
        notice(message, null);
        setText(status, 'Published ' + time(snapshot.at) + ' UTC');
        const tree = snapshot.body;
        patchList(list, [tree]);
        const deadIds = [...walk(tree)].filter((n) => n.state === 'dead').map((n) => n.id);
        dead.hidden = deadIds.length === 0;
        setText(dead, 'Dead: ' + deadIds.join(', '));
        const counts = new Map(charts.machines.map((m) => [m.name, m.counts]));
        await show({ tree, breakers: breakers?.body, counts });
      },
    };
  },
};
