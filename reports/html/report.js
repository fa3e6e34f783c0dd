// imagewarden HTML report: renders the findings embedded in #iw-data.
// Plain JavaScript, no library, nothing fetched. Every text from the report
// goes into the page through textContent, never as markup.
(function () {
  'use strict';

  var D = JSON.parse(document.getElementById('iw-data').textContent);
  var F = D.findings, P = D.principals, RULES = D.rules, G = D.grants, L = D.lists;
  var RANK = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };
  var PAGE_SIZES = [25, 50, 100, 500];
  var pIndex = new Map();
  P.forEach(function (p, i) { pIndex.set(p.id, i); });

  // ---- DOM helpers -------------------------------------------------------
  function $(id) { return document.getElementById(id); }
  function el(tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        var v = attrs[k];
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = v;
        else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), v);
        else e.setAttribute(k, v);
      }
    }
    for (var i = 2; i < arguments.length; i++) add(e, arguments[i]);
    return e;
  }
  // add appends each of its arguments after the first to it: nodes, texts,
  // or arrays of them; null, undefined and false add nothing.
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) {
      var kid = arguments[i];
      if (kid === undefined || kid === null || kid === false) continue;
      if (Array.isArray(kid)) kid.forEach(function (k) { add(parent, k); });
      else parent.appendChild(typeof kid === 'object' ? kid : document.createTextNode(String(kid)));
    }
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); return e; }
  function cmp(a, b) { return a < b ? -1 : a > b ? 1 : 0; }
  function plural(n, one, many) { return n + ' ' + (n === 1 ? one : (many || one + 's')); }
  function fmt(n) { return n.toLocaleString('en-US'); }

  // ---- labels ------------------------------------------------------------
  function principalHref(id) { return '#principal/' + encodeURIComponent(id); }
  function findingHref(id) { return '#finding/' + encodeURIComponent(id); }
  function sevBadge(s) { return el('span', { 'class': 'sev sev-' + (s in RANK ? s : 'other'), text: s }); }
  function principalLink(pi) {
    var p = P[pi];
    return el('a', { href: principalHref(p.id), title: p.id, text: p.label });
  }
  // nodeLabel names a node of an escalation path: a principal, or the
  // admin, compute or launch node standing for what a principal can become.
  function nodeLabel(id) {
    var i = pIndex.get(id);
    if (i !== undefined) return { text: P[i].label, sub: P[i].label !== id ? id : '', pi: i };
    var m;
    if (id.indexOf('admin:') === 0) {
      m = id.slice(6);
      var hash = m.lastIndexOf('#'), cloud = m.split(':')[0];
      var scope = m.slice(cloud.length + 1, hash < 0 ? undefined : hash);
      return { text: 'admin of ' + scope, sub: cloud + ': can grant itself any permission at this scope' };
    }
    if (id.indexOf('compute:') === 0 || id.indexOf('launch:') === 0) {
      m = id.split(':');
      var what = id.indexOf('compute:') === 0 ? 'compute' : 'launch';
      return { text: m.slice(3).join(':') + ' ' + what + ' in ' + m[2], sub: m[1] + ' ' + (what === 'compute' ? 'code that runs as the roles passed to it' : 'start compute with a role passed to it') };
    }
    return { text: id, sub: '' };
  }
  function shortResource(t) {
    var r = t.r;
    if (r === '*') return 'account-wide action';
    if (r.indexOf('//') === 0) {
      var rest = r.slice(2), slash = rest.indexOf('/');
      var host = slash < 0 ? rest : rest.slice(0, slash), rel = slash < 0 ? '' : rest.slice(slash + 1);
      return t.all ? 'everything in ' + rel : host.replace(/\.googleapis\.com$/, '') + ' ' + rel;
    }
    var parts = r.split(':');
    if (parts.length < 6 || parts[0] !== 'arn') return r;
    var svc = parts[2], acct = parts[4], res = parts.slice(5).join(':');
    if (t.all) {
      var s = 'every ' + svc + ' ' + res.split('/')[0];
      if (acct && acct !== '*') s += ' in ' + acct;
      return s;
    }
    return svc + ' ' + res;
  }
  function ruleOf(f) { return RULES[f.r]; }

  // ---- search text, built on first use -----------------------------------
  var hay = null, listHay = null, grantHay = null;
  function grantText(g) {
    return [g.policy_type, g.policy, g.statement, g.effect, (g.conditions || []).join(' '), g.note].join(' ');
  }
  function buildHay() {
    listHay = L.map(function (l) { return l.join(' '); });
    grantHay = G.map(grantText);
    hay = new Array(F.length);
    for (var i = 0; i < F.length; i++) {
      var f = F[i], p = P[f.p], r = ruleOf(f), parts = [f.id, r.id, r.title, p.label, p.id, p.account || '', f.c, f.cap || '', f.a || '', f.m];
      (f.t || []).forEach(function (t) {
        parts.push(t.r, listHay[t.act]);
        (t.via || []).forEach(function (g) { parts.push(grantHay[g]); });
      });
      (f.path || []).forEach(function (e) {
        parts.push(e.kind, e.to, nodeLabel(e.to).text, listHay[e.perm]);
      });
      if (f.sup) parts.push('suppressed', f.sup.reason, f.sup.owner, f.sup.expires || '');
      (f.fix || []).forEach(function (x) { parts.push('fix', x.kind, x.summary, x.target); });
      hay[i] = parts.join('\n').toLowerCase();
    }
  }

  // ---- sorting -----------------------------------------------------------
  var sortKeys = {
    sev: function (f) { return RANK[f.s] !== undefined ? RANK[f.s] : -1; },
    rule: function (f) { return ruleOf(f).id + ' ' + ruleOf(f).title; },
    principal: function (f) { return P[f.p].label.toLowerCase(); },
    cloud: function (f) { return f.c; },
    cap: function (f) { return f.cap || ''; },
    access: function (f) { return f.a || ''; },
    where: function (f) { return f.path && f.path.length ? '~' + f.path.length + nodeLabel(f.path[f.path.length - 1].to).text : (f.t && f.t.length ? shortResource(f.t[0]) : ''); },
    status: function (f) { return (f.sup ? 2 : 0) + (f.fix && f.fix.length ? 1 : 0); }
  };
  var keyCache = {};
  function sortIndices(idx, key, dir) {
    if (!key) return idx;
    var k = keyCache[key];
    if (!k) { k = keyCache[key] = F.map(sortKeys[key]); }
    return idx.sort(function (a, b) { return cmp(k[a], k[b]) * dir || a - b; });
  }

  // ---- the findings table ------------------------------------------------
  function whereCell(f) {
    var td = el('td', { 'class': 'where' });
    if (f.path && f.path.length) {
      add(td, el('div', { 'class': 'muted', text: 'through ' + plural(f.path.length, 'step') + ':' }));
      f.path.slice(0, 3).forEach(function (e) {
        add(td, el('div', null, '\u2192 ', el('b', { text: e.kind }), ' ', nodeLabel(e.to).text, e.cond ? ' (conditional)' : '', e.assumed ? ' (assumed)' : ''));
      });
      if (f.path.length > 3) add(td, el('div', { 'class': 'muted', text: '\u2026 ' + (f.path.length - 3) + ' more step(s)' }));
      return td;
    }
    var ts = (f.t || []).slice().sort(function (a, b) { return (b.all ? 1 : 0) - (a.all ? 1 : 0); });
    ts.slice(0, 3).forEach(function (t) {
      var s = shortResource(t);
      if (t.a === 'conditional') s += ' (conditional)';
      if (t.x && t.x.length) s += ' (except ' + t.x.length + ' denied part(s))';
      add(td, el('div', { title: t.r, text: s }));
    });
    if (ts.length > 3) add(td, el('div', { 'class': 'muted', text: '\u2026 ' + (ts.length - 3) + ' more' }));
    return td;
  }
  function statusCell(f) {
    var td = el('td');
    if (f.sup) add(td, el('span', { 'class': 'tag warn', title: 'accepted by ' + f.sup.owner + ': ' + f.sup.reason + (f.sup.expires ? ' (until ' + f.sup.expires + ')' : ''), text: 'suppressed' }), ' ');
    if (f.fix && f.fix.length) add(td, el('a', { 'class': 'tag ok', href: findingHref(f.id) + '/fix', text: 'fix' }));
    return td;
  }
  function findingRow(i) {
    var f = F[i], r = ruleOf(f);
    return el('tr', { 'class': f.sup ? 'suppressed' : null, 'data-id': f.id },
      el('td', null, sevBadge(f.s)),
      el('td', null, el('a', { href: findingHref(f.id), text: r.id }), el('div', { 'class': 'muted', text: r.title })),
      el('td', null, principalLink(f.p)),
      el('td', { text: f.c }),
      el('td', { text: f.cap || '' }),
      el('td', { text: f.a || '' }),
      whereCell(f),
      statusCell(f));
  }

  function pager(container, page, pages, go) {
    clear(container);
    if (pages <= 1) return;
    function btn(label, to, title) {
      return el('button', { type: 'button', title: title, disabled: to < 0 || to >= pages || to === page ? 'disabled' : null, onclick: function () { go(to); } , text: label });
    }
    add(container, btn('\u00AB', 0, 'first page'), btn('\u2039', page - 1, 'previous page'),
      el('span', { text: 'page ' + fmt(page + 1) + ' of ' + fmt(pages) }),
      btn('\u203A', page + 1, 'next page'), btn('\u00BB', pages - 1, 'last page'));
  }

  // Table shows a list of finding indices a page at a time, sortable by
  // its column headers.
  function Table(table, pagerEl, countEl, opts) {
    var self = { idx: [], base: [], page: 0, size: opts.size || 50, key: '', dir: 1, filtered: false };
    var tbody = table.tBodies[0];
    self.set = function (base, filtered) { self.base = base; self.filtered = filtered; self.page = 0; self.sort(); };
    self.sort = function () { self.idx = sortIndices(self.base.slice(), self.key, self.dir); self.render(); };
    self.render = function () {
      var pages = Math.max(1, Math.ceil(self.idx.length / self.size));
      if (self.page >= pages) self.page = pages - 1;
      var start = self.page * self.size, end = Math.min(self.idx.length, start + self.size);
      var frag = document.createDocumentFragment();
      for (var i = start; i < end; i++) frag.appendChild(findingRow(self.idx[i]));
      clear(tbody).appendChild(frag);
      if (!self.idx.length) add(tbody, el('tr', null, el('td', { colspan: '8', 'class': 'muted', text: 'No finding matches.' })));
      if (countEl) {
        var s = fmt(self.idx.length) + ' ' + (self.idx.length === 1 ? 'finding' : 'findings');
        if (self.filtered) s += ' match (of ' + fmt(opts.total()) + ')';
        if (self.idx.length) s += '; showing ' + fmt(start + 1) + '\u2013' + fmt(end);
        countEl.textContent = s;
        countEl.setAttribute('data-matched', String(self.idx.length));
      }
      pager(pagerEl, self.page, pages, function (p) { self.page = p; self.render(); });
    };
    Array.prototype.forEach.call(table.tHead.querySelectorAll('th[data-sort]'), function (th) {
      th.addEventListener('click', function () {
        var k = th.getAttribute('data-sort');
        if (self.key === k) self.dir = -self.dir;
        else { self.key = k; self.dir = (k === 'sev' || k === 'status') ? -1 : 1; }
        Array.prototype.forEach.call(table.tHead.querySelectorAll('th'), function (h) { h.classList.remove('sorted-asc', 'sorted-desc'); });
        th.classList.add(self.dir > 0 ? 'sorted-asc' : 'sorted-desc');
        self.sort();
      });
    });
    return self;
  }

  // ---- main view: filters ------------------------------------------------
  var st = { q: '', sev: '', cloud: '', cap: '', hideSup: false };
  var main = Table($('f-table'), $('f-pager'), $('f-count'), { size: 50, total: function () { return F.length; } });
  var all = F.map(function (_, i) { return i; });

  function fillSelect(sel, values) {
    values.forEach(function (v) { add(sel, el('option', { value: v, text: v })); });
  }
  fillSelect($('f-sev'), D.severities.concat(Array.from(new Set(F.map(function (f) { return f.s; }))).filter(function (s) { return !(s in RANK); }).sort()));
  fillSelect($('f-cloud'), D.clouds);
  fillSelect($('f-cap'), D.capabilities);

  function applyFilters() {
    var terms = st.q.toLowerCase().split(/\s+/).filter(Boolean);
    if (terms.length && !hay) buildHay();
    var out = [];
    for (var i = 0; i < F.length; i++) {
      var f = F[i];
      if (st.sev && f.s !== st.sev) continue;
      if (st.cloud && f.c !== st.cloud) continue;
      if (st.cap && f.cap !== st.cap) continue;
      if (st.hideSup && f.sup) continue;
      var ok = true;
      for (var j = 0; j < terms.length && ok; j++) ok = hay[i].indexOf(terms[j]) >= 0;
      if (ok) out.push(i);
    }
    var filtered = !!(terms.length || st.sev || st.cloud || st.cap || st.hideSup);
    main.set(filtered ? out : all.slice(), filtered);
  }
  var timer = 0;
  $('f-text').addEventListener('input', function (e) {
    st.q = e.target.value;
    clearTimeout(timer);
    timer = setTimeout(applyFilters, F.length > 5000 ? 200 : 60);
  });
  [['f-sev', 'sev'], ['f-cloud', 'cloud'], ['f-cap', 'cap']].forEach(function (p) {
    $(p[0]).addEventListener('change', function (e) { st[p[1]] = e.target.value; applyFilters(); });
  });
  $('f-hide-sup').addEventListener('change', function (e) { st.hideSup = e.target.checked; applyFilters(); });
  $('f-size').addEventListener('change', function (e) { main.size = parseInt(e.target.value, 10) || 50; main.page = 0; main.render(); });
  Array.prototype.forEach.call(document.querySelectorAll('a.bar-row'), function (a) {
    a.addEventListener('click', function () {
      var k = a.getAttribute('data-filter'), v = a.getAttribute('data-value');
      var sel = $('f-' + k);
      if (sel) { sel.value = v; st[k] = v; applyFilters(); }
    });
  });

  // ---- principals list ---------------------------------------------------
  var byPrincipal = new Map();
  F.forEach(function (f, i) {
    var l = byPrincipal.get(f.p);
    if (!l) byPrincipal.set(f.p, l = []);
    l.push(i);
  });
  function maxRank(l) { var m = -1; l.forEach(function (i) { var r = RANK[F[i].s]; if (r > m) m = r; }); return m; }
  var plist = Array.from(byPrincipal.keys()).map(function (pi) {
    var l = byPrincipal.get(pi);
    return { pi: pi, n: l.length, rank: maxRank(l), top: l.reduce(function (s, i) { return RANK[F[i].s] > RANK[s] ? F[i].s : s; }, F[l[0]].s) };
  }).sort(function (a, b) { return b.rank - a.rank || b.n - a.n || cmp(P[a.pi].label, P[b.pi].label) || a.pi - b.pi; });
  var pPage = 0, pView = plist;
  function renderPrincipals() {
    var size = 50, pages = Math.max(1, Math.ceil(pView.length / size));
    if (pPage >= pages) pPage = pages - 1;
    var tbody = clear($('p-table').tBodies[0]), frag = document.createDocumentFragment();
    pView.slice(pPage * size, pPage * size + size).forEach(function (x) {
      var p = P[x.pi];
      frag.appendChild(el('tr', null, el('td', null, principalLink(x.pi), p.label !== p.id ? el('div', { 'class': 'muted mono', text: p.id }) : null),
        el('td', { text: p.cloud || '' }), el('td', { text: p.kind || '' }), el('td', { 'class': 'mono', text: p.account || '' }),
        el('td', { text: fmt(x.n) }), el('td', null, sevBadge(x.top))));
    });
    tbody.appendChild(frag);
    $('p-count').textContent = plural(pView.length, 'principal') + (pView.length !== plist.length ? ' match (of ' + fmt(plist.length) + ')' : '');
    pager($('p-pager'), pPage, pages, function (p) { pPage = p; renderPrincipals(); });
  }
  $('p-text').addEventListener('input', function (e) {
    var q = e.target.value.toLowerCase();
    pView = !q ? plist : plist.filter(function (x) { var p = P[x.pi]; return (p.label + '\n' + p.id + '\n' + (p.account || '') + '\n' + (p.kind || '')).toLowerCase().indexOf(q) >= 0; });
    pPage = 0;
    renderPrincipals();
  });

  // ---- detail views ------------------------------------------------------
  var detail = $('view-detail'), mainView = $('view-main');

  function card(title) {
    var c = el('div', { 'class': 'card' });
    if (title) add(c, el('h3', { text: title }));
    for (var i = 1; i < arguments.length; i++) add(c, arguments[i]);
    return c;
  }
  function kv(pairs) {
    var d = el('div', { 'class': 'kv' });
    pairs.forEach(function (p) { if (p[1] !== undefined && p[1] !== null && p[1] !== '') add(d, el('div', { text: p[0] }), typeof p[1] === 'object' ? el('div', null, p[1]) : el('div', { text: String(p[1]) })); });
    return d;
  }
  function grantLine(gi) {
    var g = G[gi];
    var s = (g.effect ? g.effect + ' ' : '') + g.policy_type + ': ' + g.policy + (g.statement ? ' \u00B7 ' + g.statement : '');
    return el('li', null, el('span', { 'class': 'mono', text: s }),
      g.conditional || (g.conditions && g.conditions.length) ? el('div', { 'class': 'muted', text: 'if ' + (g.conditions || []).join(' and ') }) : null,
      g.note ? el('div', { 'class': 'muted', text: g.note }) : null);
  }
  function node(id, cls) {
    var n = nodeLabel(id);
    return el('div', { 'class': 'node ' + (cls || '') },
      n.pi !== undefined ? el('a', { href: principalHref(id), text: n.text }) : el('span', { text: n.text }),
      n.sub ? el('span', { 'class': 'sub mono', text: n.sub }) : null);
  }
  // steps draws a chain: node -(kind, permissions)-> node -> ...
  function steps(path) {
    var d = el('div', { 'class': 'steps path' });
    path.forEach(function (e, i) {
      if (i === 0) add(d, node(e.from, 'start'));
      add(d, el('div', { 'class': 'arrow' + (e.cond ? ' cond' : ''), title: (e.via || []).map(function (g) { return grantText(G[g]); }).join('\n') },
        el('span', { 'class': 'kind', text: e.kind + (e.cond ? ' (conditional)' : '') + (e.assumed ? ' (assumed)' : '') }),
        el('span', { 'class': 'line' }),
        el('span', { 'class': 'perm mono', text: L[e.perm].join(', ') }),
        e.note ? el('span', { 'class': 'perm', text: e.note }) : null));
      add(d, node(e.to, i === path.length - 1 ? 'end' : ''));
    });
    return d;
  }

  // lineDiff returns [op, line] pairs, op one of ' ', '-', '+': common
  // prefix and suffix, and a longest common subsequence in between.
  function lineDiff(a, b) {
    a = a ? a.split('\n') : []; b = b ? b.split('\n') : [];
    var pre = 0, out = [];
    while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
    var sa = a.length, sb = b.length;
    while (sa > pre && sb > pre && a[sa - 1] === b[sb - 1]) { sa--; sb--; }
    for (var i = 0; i < pre; i++) out.push([' ', a[i]]);
    var x = a.slice(pre, sa), y = b.slice(pre, sb), n = x.length, m = y.length;
    if (n * m > 4000000) {
      x.forEach(function (l) { out.push(['-', l]); });
      y.forEach(function (l) { out.push(['+', l]); });
    } else {
      var w = m + 1, t = new Int32Array((n + 1) * w);
      for (i = n - 1; i >= 0; i--) for (var j = m - 1; j >= 0; j--)
        t[i * w + j] = x[i] === y[j] ? t[(i + 1) * w + j + 1] + 1 : Math.max(t[(i + 1) * w + j], t[i * w + j + 1]);
      i = 0; j = 0;
      while (i < n || j < m) {
        if (i < n && j < m && x[i] === y[j]) { out.push([' ', x[i]]); i++; j++; }
        else if (j < m && (i >= n || t[i * w + j + 1] >= t[(i + 1) * w + j])) { out.push(['+', y[j]]); j++; }
        else { out.push(['-', x[i]]); i++; }
      }
    }
    for (i = sa; i < a.length; i++) out.push([' ', a[i]]);
    return out;
  }
  function diffView(before, after) {
    var d = el('div', { 'class': 'diff' }), pre = el('pre');
    lineDiff(before, after).forEach(function (p) {
      add(pre, el('div', { 'class': p[0] === '+' ? 'add' : p[0] === '-' ? 'del' : 'same', text: p[0] + ' ' + p[1] }));
    });
    add(d, pre);
    return d;
  }
  function fixCard(x, i, n) {
    return card(n > 1 ? 'Remediation ' + (i + 1) + ' of ' + n : 'Remediation',
      kv([['change', x.summary], ['kind', x.kind], ['target', x.target], ['artifact', x.artifact],
        ['also removes', x.removes && x.removes.length ? x.removes.join(', ') : 'only the image access (checked by re-analysis)']]),
      x.before || x.after ? [el('h4', { text: 'Before \u2192 after' }), diffView(x.before || '', x.after || '')] : null,
      x.commands && x.commands.length ? [el('h4', { text: 'Commands' }), el('pre', { 'class': 'mono', text: x.commands.join('\n') })] : null);
  }
  function targetList(ts) {
    var ul = el('ul', { 'class': 'targets' });
    ts.forEach(function (t) {
      add(ul, el('li', null,
        el('span', { 'class': 'mono', text: t.r }), ' ',
        el('span', { 'class': 'tag' + (t.a === 'conditional' ? ' warn' : ''), text: t.a || '' }),
        t.all ? [' ', el('span', { 'class': 'tag', text: 'every resource of the type' })] : null,
        t.k ? null : [' ', el('span', { 'class': 'tag', text: 'pattern' })],
        t.po ? [' ', el('span', { 'class': 'tag', text: 'public policy only' })] : null,
        el('div', { 'class': 'muted mono', text: 'actions: ' + L[t.act].join(', ') }),
        t.x && t.x.length ? el('div', { 'class': 'err mono', text: 'except: ' + t.x.join(', ') }) : null,
        t.via && t.via.length ? el('ul', null, t.via.map(grantLine)) : null));
    });
    return ul;
  }

  function showFinding(id, sub) {
    var i = -1;
    for (var k = 0; k < F.length; k++) if (F[k].id === id) { i = k; break; }
    if (i < 0) return notFound('finding', id);
    var f = F[i], r = ruleOf(f), p = P[f.p];
    add(detail, el('a', { 'class': 'back', href: '#findings', text: '\u2190 all findings' }),
      el('h2', null, sevBadge(f.s), ' ', r.title),
      card(null, kv([['finding', el('span', { 'class': 'mono', text: f.id })], ['rule', r.id], ['principal', principalLink(f.p)], ['principal id', el('span', { 'class': 'mono', text: p.id })],
        ['cloud', f.c], ['capability', f.cap], ['access', f.a], ['message', f.m]])),
      f.sup ? card('Suppressed (accepted risk)', kv([['reason', f.sup.reason], ['owner', f.sup.owner], ['expires', f.sup.expires || 'never'], ['source', f.sup.source]])) : null,
      card('Why it matters', el('p', { text: r.description || '' }), el('h4', { text: 'Remediation' }), el('p', { text: r.remediation || '' })),
      f.path && f.path.length ? card('Escalation path (' + plural(f.path.length, 'step') + ')', steps(f.path),
        el('ul', { 'class': 'targets' }, f.path.map(function (e) {
          return el('li', null, el('b', { text: e.kind }), ' ', nodeLabel(e.from).text, ' \u2192 ', nodeLabel(e.to).text, el('ul', null, (e.via || []).map(grantLine)));
        }))) : null,
      f.t && f.t.length ? card('Where (' + plural(f.t.length, 'target') + ')', targetList(f.t)) : null,
      (f.fix || []).map(function (x, j) { return fixCard(x, j, f.fix.length); }));
    if (sub === 'fix' && f.fix && f.fix.length) {
      var c = detail.querySelector('.diff');
      if (c) c.scrollIntoView();
    }
  }

  function showPrincipal(id) {
    var pi = pIndex.get(id);
    if (pi === undefined) return notFound('principal', id);
    var p = P[pi], mine = byPrincipal.get(pi) || [];
    var sev = {};
    mine.forEach(function (i) { sev[F[i].s] = (sev[F[i].s] || 0) + 1; });
    var counts = el('div', { 'class': 'steps' });
    Object.keys(sev).sort(function (a, b) { return (RANK[b] || 0) - (RANK[a] || 0); }).forEach(function (s) { add(counts, sevBadge(s), el('span', { text: ' ' + sev[s] + '  ' })); });
    // Distinct escalation chains that start at this principal.
    var seen = new Map();
    mine.forEach(function (i) {
      var f = F[i];
      if (!f.path || !f.path.length) return;
      var k = f.path.map(function (e) { return e.from + '>' + e.to + ':' + e.kind; }).join('|');
      var x = seen.get(k);
      if (!x) seen.set(k, x = { path: f.path, caps: [], ids: [] });
      if (f.cap && x.caps.indexOf(f.cap) < 0) x.caps.push(f.cap);
      x.ids.push(f.id);
    });
    // Who can become this principal: chains of other principals through it.
    var into = new Map();
    for (var i = 0; i < F.length && into.size < 100; i++) {
      var f = F[i];
      if (!f.path || f.p === pi) continue;
      for (var j = 0; j < f.path.length; j++) {
        if (f.path[j].to === id) {
          if (!into.has(f.p)) into.set(f.p, f.path.slice(0, j + 1));
          break;
        }
      }
    }
    var pathsCard = card('Escalation paths from this principal (' + seen.size + ')');
    if (!seen.size) add(pathsCard, el('p', { 'class': 'muted', text: 'None: every finding of this principal is access it holds itself.' }));
    seen.forEach(function (x) {
      add(pathsCard, el('div', { 'class': 'muted', text: 'leads to ' + x.caps.join(', ') + ' (' + plural(x.ids.length, 'finding') + ')' }), steps(x.path));
    });
    var intoCard = null;
    if (into.size) {
      intoCard = card('Who can become this principal (' + into.size + (into.size >= 100 ? '+' : '') + ')');
      into.forEach(function (path) { add(intoCard, steps(path)); });
    }
    var tcard = card('Findings (' + fmt(mine.length) + ')');
    var t = el('table', { 'class': 'grid findings', id: 'pf-table' }, $('f-table').tHead.cloneNode(true), el('tbody'));
    var pg = el('div', { 'class': 'pager' }), cnt = el('p', { 'class': 'status', id: 'pf-count' });
    add(tcard, cnt, el('div', { 'class': 'table-wrap' }, t), pg);
    Array.prototype.forEach.call(t.tHead.querySelectorAll('th'), function (h) { h.classList.remove('sorted-asc', 'sorted-desc'); });
    add(detail, el('a', { 'class': 'back', href: '#principals', text: '\u2190 all principals' }),
      el('h2', { id: 'principal-title', text: p.label }),
      card(null, kv([['id', el('span', { 'class': 'mono', text: p.id })], ['cloud', p.cloud], ['kind', p.kind], ['name', p.name], ['account', p.account],
        ['outside the analysed accounts', p.external ? 'yes' : ''], ['public', p.public ? 'yes: anyone' : ''], ['groups', (p.groups || []).join(', ')]]), counts),
      pathsCard, intoCard, tcard);
    Table(t, pg, cnt, { size: 50, total: function () { return mine.length; } }).set(mine.slice(), false);
  }

  function notFound(what, id) {
    add(detail, el('a', { 'class': 'back', href: '#findings', text: '\u2190 all findings' }), el('h2', { text: 'No ' + what + ' ' + id + ' in this report' }));
  }

  function route() {
    var h = location.hash.slice(1), m = /^(principal|finding)\/(.*)$/.exec(h);
    if (!m) {
      detail.hidden = true;
      mainView.hidden = false;
      clear(detail);
      var target = h && document.getElementById(h);
      if (target) target.scrollIntoView();
      return;
    }
    clear(detail);
    mainView.hidden = true;
    detail.hidden = false;
    detail.className = 'detail';
    var id;
    try { id = decodeURIComponent(m[2]); } catch (e) { id = m[2]; }
    if (m[1] === 'principal') showPrincipal(id);
    else {
      var sub = '';
      if (/\/fix$/.test(id)) { id = id.slice(0, -4); sub = 'fix'; }
      showFinding(id, sub);
    }
    if (!sub) window.scrollTo(0, 0);
  }

  applyFilters();
  renderPrincipals();
  window.addEventListener('hashchange', route);
  route();
  document.documentElement.setAttribute('data-ready', '1');
})();
