// Keeps a list marked data-refresh up to date without reloading the page: the
// same address is fetched again and the list's content replaced. What is
// fetched is the server's own escaped HTML; open details stay open.
(function () {
  const list = document.querySelector('[data-refresh]');
  if (!list) return;
  const every = Number(list.dataset.refresh) || 3000;
  setInterval(async function () {
    try {
      const response = await fetch(window.location.href, { credentials: 'same-origin' });
      if (!response.ok) return;
      const page = new DOMParser().parseFromString(await response.text(), 'text/html');
      const fresh = page.querySelector('[data-refresh]');
      if (!fresh) return;
      const open = new Set(Array.from(list.querySelectorAll('details[open]')).map(d => d.id));
      list.innerHTML = fresh.innerHTML;
      open.forEach(id => { const d = document.getElementById(id); if (d) d.open = true; });
    } catch (_) { /* the next tick tries again */ }
  }, every);
})();
