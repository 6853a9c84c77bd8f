// Cursor paging shared by the lists: the first `pages` pages of a list (100 jobs each).
import { get, query } from './api.js';

/** The most jobs one request asks for (the API's own limit). */
const perRequest = 10000;

/**
 * The jobs of the first `pages` pages of `api/jobs` under `filter`, the cursor after them (null
 * at the end) and the last answer read (a search's `scanned` is on it). A list's pages are read
 * in one request (up to 10,000 jobs); a search's page by page, as each scans a window of ids.
 */
export async function readPages(filter, pages) {
  const wanted = pages * 100;
  const step = filter.q ? 100 : perRequest;
  const jobs = [];
  let after = null;
  let page = null;
  while (jobs.length < wanted) {
    const limit = Math.min(step, wanted - jobs.length);
    page = await get('api/jobs' + query({ ...filter, limit, after }));
    jobs.push(...page.jobs);
    after = page.nextCursor;
    if (!after) break;
  }
  return { jobs, next: after, last: page };
}

/** A job id as a link to its page. */
export function jobLink(h, id) {
  return h('a', { href: '#job?id=' + encodeURIComponent(id) }, id);
}
