/*
 * The mailbox reloads itself when mail comes: every 2 s it asks its own address for the
 * messages as JSON (sandbox/ui.py answers `Accept: application/json`), and reloads once there
 * are more or fewer than the page shows.
 *
 * Inlined in the page by sandbox/pages.py; how many messages the page shows is its script
 * element's `data-count`.
 */
// Its own scope: nothing here becomes a global of the page.
(() => {
  'use strict';
  const seen = Number(document.currentScript.dataset.count);
  setInterval(async () => {
    const response = await fetch(location.href, {headers: {Accept: 'application/json'}});
    if (response.ok && (await response.json()).messages.length !== seen) location.reload();
  }, 2000);
})();
