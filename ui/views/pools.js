// The resource pools, from the owner's `pools` snapshot (api/pools): per pool its size, bounds,
// leases in use, idle, pending acquirers and resources being created, utilisation (leased share
// of max) with a bar, and each slot's state. One section per pool, patched in place.
import { get } from '../api.js';
import { h, notice, patchRows, setText, time } from '../dom.js';
import { scrollTable } from './parts.js';

/** A figure, or '—' when the snapshot does not give it. */
const figure = (value) => (typeof value === 'number' ? String(value) : '—');

/** A pool's section, made once: its figures table and its slots table. */
function poolSection(name) {
  const state = h('span', { class: 'state' });
  const figures = h('tbody', { class: 'pool-figures' });
  const bar = h('meter', { class: 'utilisation', min: 0, max: 100, high: 80, optimum: 0 });
  const percent = h('span', { class: 'utilisation-percent' });
  const slots = h('tbody', { class: 'pool-slots' });
  const section = h(
    'section',
    { class: 'pool', 'data-pool': name },
    h('h2', {}, name + ' ', state),
    h('p', {}, 'Utilisation ', bar, ' ', percent),
    scrollTable(['Size', 'Min', 'Max', 'In use', 'Idle', 'Pending', 'Creating'], figures),
    scrollTable(['Slot', 'State', 'Uses', 'Age (s)'], slots),
  );
  return { section, state, figures, bar, percent, slots };
}

export default {
  name: 'pools',
  title: 'Pools',
  mount(root) {
    const message = h('div', { id: 'pools-notice', class: 'notice', hidden: true });
    const published = h('p', { id: 'pools-published', class: 'muted' });
    const list = h('div', { id: 'pools' });
    root.append(message, published, list);
    const sections = new Map(); // name -> poolSection

    return {
      async update() {
        const snapshot = await get('api/pools');
        const pools = Array.isArray(snapshot?.body) ? snapshot.body : [];
        setText(
          published,
          snapshot ? 'Snapshot of ' + time(snapshot.at) + ' UTC' : 'No pools snapshot published',
        );
        notice(message, snapshot && pools.length === 0 ? 'No pools' : null);
        const names = new Set();
        for (const pool of pools) {
          const stats = pool.stats ?? {};
          names.add(pool.name);
          let section = sections.get(pool.name);
          if (!section) {
            section = poolSection(pool.name);
            sections.set(pool.name, section);
          }
          list.append(section.section); // in the snapshot's order (a no-op when already there)
          section.section.dataset.state = stats.state ?? '';
          setText(section.state, stats.state ?? '');
          const utilisation = Math.round((stats.utilisation ?? 0) * 100);
          if (section.bar.value !== utilisation) section.bar.value = utilisation;
          section.section.dataset.utilisation = String(utilisation);
          setText(section.percent, utilisation + '%' + (stats.saturated ? ' (saturated)' : ''));
          patchRows(
            section.figures,
            [stats],
            () => 'figures',
            () => [
              figure(stats.size),
              figure(pool.min ?? stats.min),
              figure(pool.max ?? stats.max),
              figure(stats.leased),
              figure(stats.idle),
              figure(stats.waiting),
              figure(stats.creating),
            ],
          );
          patchRows(
            section.slots,
            stats.resources ?? [],
            (slot) => slot.slot,
            (slot) => [
              slot.slot,
              h('span', { class: 'state', 'data-state': slot.state }, slot.state),
              figure(slot.uses),
              figure(Math.round((slot.ageMs ?? 0) / 1000)),
            ],
            (row, slot) => (row.dataset.state = slot.state),
          );
        }
        for (const [name, section] of sections) {
          if (!names.has(name)) {
            section.section.remove();
            sections.delete(name);
          }
        }
      },
    };
  },
};
