// A built-in machine's state chart drawn in the page: its DOT (from api/charts/<name>) rendered
// once with the locally served Graphviz bundle (vendor/viz.js, global `Viz`), then only its count
// badges and classes changed on each update, so the drawing never flickers.
import { get } from './api.js';

const svgNs = 'http://www.w3.org/2000/svg';
let vizReady = null;
const dots = new Map(); // machine -> Promise<{ dot, states }>: machines never change

/** Graphviz, loaded once: the bundle's <script> added to the page, then its WebAssembly started. */
export function viz() {
  if (!vizReady) {
    vizReady = new Promise((resolve, reject) => {
      if (window.Viz) return resolve(window.Viz);
      const script = document.createElement('script');
      script.src = 'vendor/viz.js';
      script.onload = () => resolve(window.Viz);
      script.onerror = () => reject(new Error('vendor/viz.js could not be loaded'));
      document.head.append(script);
    }).then((Viz) => Viz.instance());
    vizReady.catch(() => (vizReady = null)); // a failed load is tried again next time
  }
  return vizReady;
}

/** A machine's DOT and states, read once. */
export function drawingOf(machine) {
  let found = dots.get(machine);
  if (!found) {
    found = get('api/charts/' + encodeURIComponent(machine)).then(({ dot, states }) => ({
      dot,
      states,
    }));
    found.catch(() => dots.delete(machine));
    dots.set(machine, found);
  }
  return found;
}

/** The SVG group Graphviz drew for `title` (a node, or a cluster for a compound state). */
function groupOf(svg, title) {
  for (const t of svg.querySelectorAll('g.node > title, g.cluster > title')) {
    if (t.textContent === title) return t.parentNode;
  }
  return null;
}

/**
 * A count badge at the top right corner of a state's box, in a layer of its own above the arrows
 * (Graphviz draws them after the boxes, so a badge inside a box's group could be crossed out).
 */
function badgeFor(layer, group) {
  let badge = [...layer.children].find((b) => b.dataset.state === group.dataset.state);
  if (badge) return badge;
  const box = group.getBBox();
  badge = document.createElementNS(svgNs, 'g');
  badge.setAttribute('class', 'count');
  badge.dataset.state = group.dataset.state;
  const x = box.x + box.width;
  const y = box.y;
  const pill = document.createElementNS(svgNs, 'rect');
  pill.setAttribute('y', String(y - 8));
  pill.setAttribute('height', '16');
  pill.setAttribute('rx', '8');
  badge.dataset.x = String(x);
  const text = document.createElementNS(svgNs, 'text');
  text.setAttribute('x', String(x));
  text.setAttribute('y', String(y + 4));
  text.setAttribute('text-anchor', 'middle');
  badge.append(pill, text);
  layer.append(badge);
  return badge;
}

/**
 * Draws `machine`'s chart into `container` (once) and returns its handle: `set(counts, current)`
 * updates the badges (counts by state name) and highlights the state named `current` (or none).
 */
export async function drawChart(container, machine) {
  const [instance, { dot, states }] = await Promise.all([viz(), drawingOf(machine)]);
  const svg = instance.renderSVGElement(dot);
  svg.classList.add('statechart');
  svg.dataset.machine = machine;
  container.replaceChildren(svg);
  const groups = new Map();
  // The boxes and the badges share the top group's coordinates (Graphviz's one transform).
  const layer = document.createElementNS(svgNs, 'g');
  layer.setAttribute('class', 'counts');
  (svg.querySelector('g.graph') ?? svg).append(layer);
  for (const entry of states) {
    const group = groupOf(svg, entry.title);
    if (!group) continue;
    group.dataset.state = entry.state;
    groups.set(entry.state, group);
  }
  return {
    svg,
    states,
    set(counts, current) {
      for (const [state, group] of groups) {
        const n = counts?.[state];
        if (n !== undefined) {
          const badge = badgeFor(layer, group);
          const text = badge.querySelector('text');
          if (text.textContent !== String(n)) {
            text.textContent = String(n);
            const width = 10 + 7 * String(n).length; // the pill grows with the figure
            const pill = badge.querySelector('rect');
            pill.setAttribute('width', String(width));
            pill.setAttribute('x', String(Number(badge.dataset.x) - width / 2));
          }
          group.dataset.count = String(n);
        }
        const occupied = n !== undefined && n > 0;
        group.classList.toggle('occupied', occupied);
        if (n !== undefined) badgeFor(layer, group).classList.toggle('occupied', occupied);
        group.classList.toggle('current', state === current);
      }
    },
  };
}
