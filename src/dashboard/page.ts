/**
 * The dashboard's page, served by the dashboard itself (no CDN, no build step): counts by status,
 * the jobs list with filters and cursor paging, and live updates. The script keeps one
 * EventSource on `/api/events`; each change refetches the counts and the page in view and
 * patches only the rows that changed, so filters, form state and scroll position stay. A lost
 * connection is retried with exponential backoff and jitter; after 5 failures in a row the page
 * polls every 2 s while it keeps trying. The indicator says which: live, polling, or down.
 */
export const pageHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Warden</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d232a; }
  header { display: flex; gap: 1rem; align-items: center; padding: .6rem 1rem; background: #f3f5f7; border-bottom: 1px solid #d6dbe0; }
  h1 { font-size: 1.1rem; margin: 0; }
  #connection { display: inline-flex; align-items: center; gap: .4rem; margin-left: auto; }
  #connection::before { content: ''; width: .7rem; height: .7rem; border-radius: 50%; background: var(--dot, #999); }
  #connection[data-state="live"] { --dot: #1a9c4a; }
  #connection[data-state="polling"] { --dot: #d99a00; }
  #connection[data-state="down"] { --dot: #d0312d; }
  main { padding: 1rem; }
  #counts { display: flex; gap: .5rem; flex-wrap: wrap; margin-bottom: 1rem; }
  #counts span { padding: .2rem .6rem; border: 1px solid #d6dbe0; border-radius: 1rem; }
  form { display: flex; gap: .5rem; margin-bottom: .5rem; }
  #list { max-height: 70vh; overflow: auto; border: 1px solid #d6dbe0; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #eceff2; white-space: nowrap; }
  th { position: sticky; top: 0; background: #fff; }
  td.error { white-space: normal; color: #8a1f1b; }
</style>
</head>
<body>
<header><h1>Warden</h1><span id="owner"></span><span id="connection" data-state="down">connecting</span></header>
<main>
  <div id="counts"></div>
  <form id="filters">
    <label>Status <select name="status"><option value="">any</option></select></label>
    <label>Type <input name="type" autocomplete="off"></label>
    <button type="submit">Filter</button>
  </form>
  <div id="list"><table><thead><tr><th>ID</th><th>Type</th><th>Status</th><th>Attempt</th><th>Updated (UTC)</th><th>Last error</th></tr></thead><tbody id="jobs"></tbody></table></div>
  <button id="more" hidden>More</button>
</main>
<script src="app.js"></script>
</body>
</html>
`;

/** The page's script, plain browser JavaScript. */
export const pageScript = `'use strict';
(() => {
  const statuses = ['scheduled', 'queued', 'claimed', 'running', 'retrying', 'succeeded', 'cancelled', 'dead'];
  const token = new URLSearchParams(location.search).get('token');
  const withToken = (path) => (token ? path + (path.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token) : path);
  const $ = (id) => document.getElementById(id);
  const connection = $('connection');
  const form = $('filters');
  const select = form.elements.namedItem('status');
  for (const s of statuses) select.add(new Option(s, s));
  let filter = { status: '', type: '' };
  let pages = 1;

  const setConnection = (state, text) => {
    connection.dataset.state = state;
    connection.textContent = text;
  };
  const api = async (path) => {
    const response = await fetch(withToken(path), { headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(path + ': ' + response.status);
    return response.json();
  };
  const time = (ms) => (ms == null ? '' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19));

  const renderCounts = (overview) => {
    const counts = $('counts');
    for (const s of statuses) {
      let chip = counts.querySelector('[data-status="' + s + '"]');
      if (!chip) {
        chip = document.createElement('span');
        chip.dataset.status = s;
        counts.append(chip);
      }
      const text = s + ' ' + overview.counts[s];
      if (chip.textContent !== text) chip.textContent = text;
    }
    $('owner').textContent = overview.owner.description;
  };

  const cells = (job) => [job.id, job.type, job.status, job.attempt + '/' + job.maxAttempts, time(job.updatedAt), job.error ? job.error.message : ''];
  const renderJobs = (jobs) => {
    const body = $('jobs');
    const seen = new Set();
    let previous = null;
    for (const job of jobs) {
      seen.add(job.id);
      let row = body.querySelector('tr[data-id="' + job.id + '"]');
      if (!row) {
        row = document.createElement('tr');
        row.dataset.id = job.id;
        for (let i = 0; i < 6; i++) row.append(document.createElement('td'));
        row.lastChild.className = 'error';
      }
      cells(job).forEach((value, i) => {
        const cell = row.children[i];
        if (cell.textContent !== String(value)) cell.textContent = String(value);
      });
      row.dataset.status = job.status;
      const next = previous ? previous.nextSibling : body.firstChild;
      if (next !== row) body.insertBefore(row, next);
      previous = row;
    }
    for (const row of [...body.children]) if (!seen.has(row.dataset.id)) row.remove();
  };

  const query = (after) => {
    const q = new URLSearchParams();
    if (filter.status) q.set('status', filter.status);
    if (filter.type) q.set('type', filter.type);
    q.set('limit', '100');
    if (after) q.set('after', after);
    return '/api/jobs?' + q.toString();
  };
  const refresh = async () => {
    const overview = await api('/api/overview');
    renderCounts(overview);
    const jobs = [];
    let after = null;
    let next = null;
    for (let i = 0; i < pages; i++) {
      const page = await api(query(after));
      jobs.push(...page.jobs);
      next = page.nextCursor;
      if (!next) break;
      after = next;
    }
    renderJobs(jobs);
    $('more').hidden = !next;
  };

  let refreshing = null;
  let again = false;
  const update = () => {
    if (refreshing) {
      again = true;
      return refreshing;
    }
    refreshing = refresh()
      .then(
        () => true,
        () => {
          setConnection('down', 'disconnected');
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
  };

  let source = null;
  let failures = 0;
  let poller = null;
  const stopPolling = () => {
    if (poller) clearInterval(poller);
    poller = null;
  };
  const connect = () => {
    source = new EventSource(withToken('/api/events'));
    source.onopen = () => {
      failures = 0;
      stopPolling();
      setConnection('live', 'live');
      update();
    };
    source.addEventListener('change', () => update());
    source.onerror = () => {
      source.close();
      failures += 1;
      const delay = Math.min(30000, 500 * 2 ** Math.min(failures, 6)) * (0.8 + Math.random() * 0.4);
      if (failures >= 5 && !poller) {
        poller = setInterval(() => {
          update().then((ok) => {
            if (ok && connection.dataset.state !== 'live') setConnection('polling', 'polling');
          });
        }, 2000);
      }
      setConnection(poller ? 'polling' : 'down', poller ? 'polling' : 'reconnecting');
      setTimeout(connect, delay);
    };
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    filter = { status: select.value, type: form.elements.namedItem('type').value.trim() };
    pages = 1;
    update();
  });
  $('more').addEventListener('click', () => {
    pages += 1;
    update();
  });
  connect();
})();
`;
