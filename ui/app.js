// The dashboard's page: a view per tab (from the address's #hash), the counts and the owner on
// every page, and live updates that refresh only what is in view. Each view module exports
// { name, title, mount(root, params, ctx) } where mount returns { update(): Promise, unmount?() };
// `update` patches the view in place, so filters, form state and scroll position stay.
import { get } from './api.js';
import { h, setText } from './dom.js';
import { connectLive } from './live.js';
import jobs from './views/jobs.js';
import tree from './views/tree.js';
import charts from './views/charts.js';
import breakers from './views/breakers.js';
import pools from './views/pools.js';
import monitor from './views/monitor.js';
import dead from './views/dead.js';
import job from './views/job.js';
import types from './views/types.js';

const statuses = [
  'scheduled',
  'queued',
  'claimed',
  'running',
  'retrying',
  'succeeded',
  'cancelled',
  'dead',
];
const views = [jobs, types, dead, job, tree, charts, breakers, pools, monitor];
const byName = new Map(views.map((view) => [view.name, view]));

const $ = (id) => document.getElementById(id);
const root = $('view');
let current = null; // { view, params, mounted }
let overview = null;

/** `#name?params` split; an unknown name is the first view. */
function route() {
  const hash = location.hash.slice(1);
  const at = hash.indexOf('?');
  const name = at < 0 ? hash : hash.slice(0, at);
  const params = new URLSearchParams(at < 0 ? '' : hash.slice(at + 1));
  return { view: byName.get(name) ?? views[0], params };
}

const ctx = {
  statuses,
  /** The last overview read (counts, paused types, owner, health). */
  overview: () => overview,
  navigate(name, params) {
    const q = params ? new URLSearchParams(params).toString() : '';
    location.hash = name + (q ? '?' + q : '');
  },
  /** Asks for an update now (after a command, say). */
  refresh: () => update(),
};

function renderNav() {
  const nav = $('nav');
  if (nav.childElementCount === 0) {
    for (const view of views)
      nav.append(h('a', { href: '#' + view.name, 'data-view': view.name }, view.title));
  }
  for (const link of nav.children) {
    if (link.dataset.view === current?.view.name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function renderCounts() {
  const counts = $('counts');
  for (const status of statuses) {
    let chip = counts.querySelector('[data-status="' + status + '"]');
    if (!chip) {
      chip = h('a', { href: '#jobs?status=' + status, 'data-status': status });
      counts.append(chip);
    }
    setText(chip, status + ' ' + (overview.counts[status] ?? 0));
  }
  setText($('owner'), overview.owner.description);
  // A read-only dashboard shows no buttons that change anything (style.css hides them).
  document.body.dataset.readOnly = overview.readOnly ? 'yes' : 'no';
}

function show() {
  const { view, params } = route();
  if (current?.mounted.unmount) current.mounted.unmount();
  root.replaceChildren();
  current = { view, params, mounted: view.mount(root, params, ctx) };
  renderNav();
  update();
}

async function refresh() {
  overview = await get('api/overview');
  renderCounts();
  if (current) await current.mounted.update();
}

// One refresh at a time; a change during one asks for one more after it.
let refreshing = null;
let again = false;
let live = null;
let stale = false;
function update() {
  // A hidden tab reads nothing; it catches up once when it is shown again.
  if (document.hidden) {
    stale = true;
    return Promise.resolve(true);
  }
  if (refreshing) {
    again = true;
    return refreshing;
  }
  refreshing = refresh()
    .then(
      () => true,
      (error) => {
        console.error(error);
        if (error instanceof TypeError) live?.down(); // the server cannot be reached
        return false;
      },
    )
    .finally(() => {
      refreshing = null;
      if (again) {
        again = false;
        update();
      }
    });
  return refreshing;
}

window.addEventListener('hashchange', show);
document.addEventListener('visibilitychange', () => {
  if (!document.hidden && stale) {
    stale = false;
    update();
  }
});
show();
live = connectLive($('connection'), update);
