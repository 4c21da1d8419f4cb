/* Leadline embed: renders form {{ key }} into the element named by data-target on the script tag
   (or right after the script), and posts cross-origin to the Leadline server it came from. */
(function () {
  var KEY = {{ key }};
  var script = document.currentScript;
  var base = new URL(script.src).origin;
  var target = script.getAttribute('data-target');
  var host = target ? document.getElementById(target) : null;
  if (!host) { host = document.createElement('div'); script.parentNode.insertBefore(host, script.nextSibling); }
  var store = window.localStorage;
  var anon = null;
  try { anon = store.getItem('ll_anonymous_id'); } catch (e) {}
  if (!anon) {
    anon = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
    try { store.setItem('ll_anonymous_id', anon); } catch (e) {}
  }
  function el(tag, attrs, text) {
    var n = document.createElement(tag);
    for (var k in attrs) { if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) n.setAttribute(k, attrs[k] === true ? '' : attrs[k]); }
    if (text) n.textContent = text;
    return n;
  }
  function capture(c) {
    var p = new URLSearchParams(location.search);
    if (c === 'referrer') return document.referrer || '';
    if (c === 'page_url') return location.href;
    return p.get(c) || '';
  }
  fetch(base + '/f/' + encodeURIComponent(KEY) + '.json?anonymous_id=' + encodeURIComponent(anon))
    .then(function (r) { return r.json(); })
    .then(function (def) {
      var form = el('form', { 'class': 'll-form', novalidate: true });
      def.fields.forEach(function (f) {
        if (f.type === 'hidden') { form.appendChild(el('input', { type: 'hidden', name: f.name, value: f.value || capture(f.capture) })); return; }
        var wrap = el('div', { 'class': 'll-field', 'data-field': f.name });
        var id = 'll-' + KEY + '-' + f.name;
        wrap.appendChild(el('label', { 'for': id }, f.label + (f.required ? ' *' : '')));
        var input;
        if (f.type === 'textarea') input = el('textarea', { id: id, name: f.name });
        else if (f.type === 'select') {
          input = el('select', { id: id, name: f.name });
          input.appendChild(el('option', { value: '' }, 'Choose…'));
          f.options.forEach(function (o) { input.appendChild(el('option', { value: o }, o)); });
        } else input = el('input', { id: id, name: f.name, type: ({ email: 'email', tel: 'tel', number: 'number', url: 'url', checkbox: 'checkbox' })[f.type] || 'text', placeholder: f.placeholder });
        if (f.required) input.setAttribute('required', '');
        wrap.appendChild(input);
        form.appendChild(wrap);
      });
      var hp = el('div', { style: 'position:absolute;left:-10000px', 'aria-hidden': 'true' });
      hp.appendChild(el('input', { name: def.honeypot, tabindex: '-1', autocomplete: 'off' }));
      form.appendChild(hp);
      if (def.consent_text) {
        var c = el('label', { 'class': 'll-consent' });
        c.appendChild(el('input', { type: 'checkbox', name: 'consent', value: 'yes' }));
        c.appendChild(document.createTextNode(' ' + def.consent_text));
        form.appendChild(c);
      }
      form.appendChild(el('button', { type: 'submit' }, def.submit_label));
      form.addEventListener('submit', function (ev) {
        ev.preventDefault();
        form.querySelectorAll('.field-error').forEach(function (n) { n.remove(); });
        var body = { _token: def.token, _anonymous_id: anon, _page_url: location.href, _referrer: document.referrer };
        new FormData(form).forEach(function (v, k) { body[k] = v; });
        fetch(base + '/f/' + encodeURIComponent(KEY), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
          .then(function (r) { return r.json().then(function (j) { return { status: r.status, body: j }; }); })
          .then(function (res) {
            if (res.status === 200 && res.body.ok) {
              if (res.body.redirect_url) { location.href = res.body.redirect_url; return; }
              var done = el('p', { 'class': 'll-thanks', role: 'status' }, res.body.message);
              host.replaceChildren(done);
            } else if (res.body.errors) {
              res.body.errors.forEach(function (e) {
                var w = form.querySelector('[data-field="' + e.field + '"]') || form;
                w.appendChild(el('p', { 'class': 'field-error' }, e.message));
              });
            } else {
              form.appendChild(el('p', { 'class': 'field-error' }, (res.body.error && res.body.error.message) || 'Something went wrong.'));
            }
          });
      });
      host.replaceChildren(form);
    });
})();
