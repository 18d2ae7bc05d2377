// The local console's page: one server-sent event stream (a snapshot, then each SMS, event and delivery as it happens),
// rendered with the DOM API only (text is always set as text, never parsed as HTML).

const state = { sms: [], events: [], deliveries: [] };
const $ = (id) => document.getElementById(id);

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (name === 'class') node.className = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// Dates with the times: with --persist the outbox keeps SMS for days.
const timeFormat = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});
function timeEl(iso) {
  const date = new Date(iso);
  return el(
    'time',
    { datetime: iso, title: iso },
    Number.isNaN(date.getTime()) ? iso : timeFormat.format(date),
  );
}

/* ---------- copying ---------- */

async function copyText(text, button, label) {
  let copied = false;
  try {
    await navigator.clipboard.writeText(text);
    copied = true;
  } catch {
    // No clipboard permission: select the text in a hidden field and fall back to the older command.
    const field = el('textarea', { class: 'visually-hidden', 'aria-hidden': 'true' });
    field.value = text;
    document.body.append(field);
    field.select();
    copied = document.execCommand('copy');
    field.remove();
  }
  const message = copied ? `Copied ${label}` : `Could not copy ${label}; select it and copy by hand`;
  $('copy-status').textContent = message;
  const original = button.dataset.label ?? button.textContent;
  button.dataset.label = original;
  button.textContent = copied ? 'Copied' : 'Copy failed';
  setTimeout(() => {
    button.textContent = original;
  }, 1500);
}

/* ---------- SMS ---------- */

const normalizeNumber = (value) => value.replace(/[\s\-_/()]/g, '').toLowerCase();

/** The search box: an item shows when its JSON contains every word typed (any case). */
function searched(item) {
  const words = $('search').value.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const text = JSON.stringify(item).toLowerCase();
  return words.every((word) => text.includes(word));
}

function smsMatches(sms) {
  if (!searched(sms)) return false;
  const number = normalizeNumber($('filter-number').value);
  const person = $('filter-person').value.trim().toLowerCase();
  if (number && !normalizeNumber(sms.to).includes(number)) return false;
  if (person && !(sms.person_id ?? '').toLowerCase().includes(person)) return false;
  return true;
}

function smsText(sms) {
  const text = el('p', { class: 'sms-text' });
  if (!sms.code) {
    text.append(sms.text);
    return text;
  }
  const { value, index } = sms.code;
  const mark = el('mark', { class: 'code', 'data-code': value }, value);
  const button = el(
    'button',
    { type: 'button', class: 'copy', 'aria-label': `Copy code ${value}`, 'data-copy-code': value },
    'Copy',
  );
  button.addEventListener('click', () => copyText(value, button, `code ${value}`));
  text.append(sms.text.slice(0, index), mark, button, sms.text.slice(index + value.length));
  return text;
}

function smsItem(sms, fresh) {
  const field = (name, value, className) =>
    el('span', {}, el('dt', {}, `${name} `), el('dd', { class: className }, value));
  return el(
    'li',
    { class: fresh ? 'sms fresh' : 'sms', 'data-to': sms.to, 'data-person': sms.person_id ?? '' },
    el(
      'dl',
      { class: 'sms-head' },
      field('To', sms.to, 'to mono'),
      field('Person', sms.person_id ?? '–', 'mono'),
      field('Language', sms.language),
      field('Template', sms.template_key, 'mono'),
      el('span', {}, el('dt', {}, 'Sent '), el('dd', {}, timeEl(sms.created_at))),
    ),
    smsText(sms),
  );
}

function fillDatalist(id, values) {
  const list = $(id);
  const unique = [...new Set(values.filter(Boolean))].sort();
  list.replaceChildren(...unique.map((value) => el('option', { value })));
}

function smsSummary() {
  $('count-sms').textContent = String(state.sms.length);
  $('sms-empty').hidden = state.sms.length > 0;
  const filtering = $('filter-number').value || $('filter-person').value || $('search').value;
  const shown = $('sms-list').children.length;
  $('sms-shown').textContent = filtering ? `${shown} of ${state.sms.length} shown` : '';
  fillDatalist(
    'known-numbers',
    state.sms.map((s) => s.to),
  );
  fillDatalist(
    'known-persons',
    state.sms.map((s) => s.person_id),
  );
}

function renderSms() {
  const shown = state.sms.filter(smsMatches).reverse();
  $('sms-list').replaceChildren(...shown.map((sms) => smsItem(sms, false)));
  smsSummary();
}

/** A new SMS goes on top; what is on the page stays as it is (an open copy button keeps its focus). */
function addSms(sms) {
  state.sms.push(sms);
  if (smsMatches(sms)) $('sms-list').prepend(smsItem(sms, true));
  smsSummary();
}

/* ---------- events ---------- */

const eventRow = ({ event, published_at }) =>
  el(
    'tr',
    { 'data-event-id': event.metadata.id },
    el('td', { 'data-label': 'Published' }, timeEl(published_at)),
    el(
      'td',
      { class: 'mono', 'data-label': 'Type' },
      el('span', { class: 'type' }, event.metadata.type),
      el('span', { class: 'muted' }, ` v${event.metadata.version}`),
    ),
    el('td', { class: 'mono', 'data-label': 'Event id' }, event.metadata.id),
    el('td', { 'data-label': 'Data' }, el('pre', {}, JSON.stringify(event.data, null, 2))),
  );

/* ---------- deliveries ---------- */

const OUTCOMES = {
  delivered: ['Delivered', 'status-ok'],
  retry_scheduled: ['Retry scheduled', 'status-warn'],
  dead_lettered: ['Dead-lettered', 'status-bad'],
  rejected: ['Rejected by receiver', 'status-bad'],
  subscription_cancelled: ['Subscription cancelled (410)', 'status-warn'],
  subscription_gone: ['Subscription gone', 'status-warn'],
};

function headersList(headers) {
  if (!headers) return el('span', { class: 'muted' }, 'none (not sent)');
  const signature = headers['Solaris-Webhook-Signature'];
  const list = el(
    'dl',
    { class: 'headers' },
    Object.entries(headers).flatMap(([name, value]) => [el('dt', {}, name), el('dd', {}, value)]),
  );
  return el(
    'details',
    {},
    el('summary', {}, signature ? `Signature ${signature.slice(0, 19)}…` : 'Headers'),
    list,
  );
}

function deliveryRow(attempt) {
  const [label, className] = OUTCOMES[attempt.outcome] ?? [attempt.outcome, ''];
  const nextAt =
    attempt.next_attempt_in_seconds !== undefined
      ? new Date(Date.parse(attempt.at) + attempt.next_attempt_in_seconds * 1000).toISOString()
      : undefined;
  return el(
    'tr',
    {
      'data-event-id': attempt.event_id,
      'data-subscription-id': attempt.subscription_id,
      'data-attempt': attempt.attempt,
    },
    el('td', { 'data-label': 'Time' }, timeEl(attempt.at)),
    el('td', { class: 'mono', 'data-label': 'Subscription' }, attempt.subscription_id),
    el(
      'td',
      { class: 'mono', 'data-label': 'Event' },
      el('span', { class: 'type' }, attempt.event_type),
      el('br'),
      el('span', { class: 'muted' }, attempt.event_id),
    ),
    el('td', { class: 'attempt', 'data-label': 'Attempt' }, String(attempt.attempt)),
    el(
      'td',
      { 'data-label': 'Status' },
      el(
        'span',
        { class: `status-code ${className}` },
        attempt.status !== undefined ? String(attempt.status) : 'no answer',
      ),
      el('br'),
      el('span', { class: 'muted' }, label),
      attempt.error ? el('span', { class: 'muted' }, ` (${attempt.error})`) : undefined,
    ),
    el(
      'td',
      { class: 'next-retry', 'data-label': 'Next retry' },
      nextAt
        ? [timeEl(nextAt), el('span', { class: 'muted' }, ` in ${attempt.next_attempt_in_seconds} s`)]
        : '–',
    ),
    el('td', { 'data-label': 'Headers sent' }, headersList(attempt.headers)),
    el('td', {}, detailsButton(attempt)),
  );
}

/* ---------- delivery details (side panel) ---------- */

const FAILED = new Set(['retry_scheduled', 'dead_lettered', 'rejected']);

function detailsButton(attempt) {
  const button = el(
    'button',
    { type: 'button', class: 'details', 'aria-label': `Details of attempt ${attempt.attempt}` },
    'Details',
  );
  button.addEventListener('click', () => openPanel(attempt, button));
  return button;
}

function prettyBody(body) {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

let panelOpener;

function openPanel(attempt, opener) {
  panelOpener = opener;
  const [label] = OUTCOMES[attempt.outcome] ?? [attempt.outcome];
  const answer = [
    attempt.status !== undefined ? `HTTP ${attempt.status}` : 'No answer',
    attempt.error ? `(${attempt.error})` : '',
    `: ${label}`,
  ].join(' ');
  const section = (title, ...content) => [el('h3', {}, title), ...content];
  const children = [
    el('p', { class: 'mono' }, `${attempt.event_type} · attempt ${attempt.attempt}`),
    el(
      'p',
      { class: 'muted' },
      timeEl(attempt.at),
      ' · subscription ',
      el('span', { class: 'mono' }, attempt.subscription_id),
    ),
    ...section('Answer received', el('p', { id: 'panel-answer' }, answer)),
    ...section(
      'Headers sent',
      attempt.headers
        ? el(
            'dl',
            { class: 'headers' },
            Object.entries(attempt.headers).flatMap(([name, value]) => [
              el('dt', {}, name),
              el('dd', {}, value),
            ]),
          )
        : el('p', { class: 'muted' }, 'None: the POST never left.'),
    ),
    ...section(
      'Body sent',
      attempt.body !== undefined
        ? el('pre', { id: 'panel-body-sent' }, prettyBody(attempt.body))
        : el('p', { class: 'muted' }, 'None.'),
    ),
  ];
  if (FAILED.has(attempt.outcome)) {
    const retry = el('button', { type: 'button', id: 'panel-retry' }, 'Retry now');
    const status = el('span', { role: 'status', 'aria-live': 'polite' });
    retry.addEventListener('click', async () => {
      const response = await fetch('/_local/console/retry', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ event_id: attempt.event_id, subscription_id: attempt.subscription_id }),
      });
      status.textContent = response.ok
        ? ' Sent again; the new attempt appears in the list.'
        : ` Failed (${response.status}).`;
    });
    children.push(el('p', { class: 'actions' }, retry, status));
  }
  $('panel-title').textContent = 'Delivery details';
  $('panel-body').replaceChildren(...children);
  $('delivery-panel').hidden = false;
  $('panel-close').focus();
}

function closePanel() {
  $('delivery-panel').hidden = true;
  panelOpener?.focus();
}

/**
 * A table of one kind, newest first: rendered whole from a snapshot, then grown a row at a time on top, so rows
 * already shown (and headers someone opened) stay as they are.
 */
function liveTable(name, row) {
  const summary = () => {
    const count = state[name].length;
    $(`count-${name}`).textContent = String(count);
    $(`${name}-empty`).hidden = count > 0;
    $(`${name}-table`).hidden = count === 0;
  };
  return {
    render() {
      $(`${name}-body`).replaceChildren(...state[name].filter(searched).reverse().map(row));
      summary();
    },
    add(item) {
      state[name].push(item);
      if (searched(item)) $(`${name}-body`).prepend(row(item));
      summary();
    },
  };
}

const eventsTable = liveTable('events', eventRow);
const deliveriesTable = liveTable('deliveries', deliveryRow);

/* ---------- live stream ---------- */

function connect() {
  const status = $('connection');
  const stream = new EventSource('/_local/console/stream');
  stream.addEventListener('open', () => {
    status.dataset.state = 'live';
    status.textContent = 'Live';
  });
  stream.addEventListener('error', () => {
    status.dataset.state = 'down';
    status.textContent = 'Reconnecting…';
  });
  stream.addEventListener('snapshot', (message) => {
    const snapshot = JSON.parse(message.data);
    state.sms = snapshot.sms;
    state.events = snapshot.events;
    state.deliveries = snapshot.deliveries;
    renderSms();
    eventsTable.render();
    deliveriesTable.render();
  });
  stream.addEventListener('sms', (message) => {
    addSms(JSON.parse(message.data));
  });
  stream.addEventListener('event', (message) => {
    eventsTable.add(JSON.parse(message.data));
  });
  stream.addEventListener('delivery', (message) => {
    deliveriesTable.add(JSON.parse(message.data));
  });
}

/* ---------- tabs ---------- */

const tabs = () => [...document.querySelectorAll('.tabs > [role="tab"]')];

function selectTab(tab, focus) {
  for (const other of tabs()) {
    const selected = other === tab;
    other.setAttribute('aria-selected', String(selected));
    other.tabIndex = selected ? 0 : -1;
    $(other.getAttribute('aria-controls')).hidden = !selected;
  }
  if (focus) tab.focus();
  const name = tab.id.slice('tab-'.length);
  if (location.hash !== `#${name}`) history.replaceState(null, '', `#${name}`);
  if (name === 'api') loadApiReference();
}

function setUpTabs() {
  for (const tab of tabs()) {
    tab.addEventListener('click', () => selectTab(tab, false));
    tab.addEventListener('keydown', (event) => {
      const all = tabs();
      const index = all.indexOf(tab);
      const next = {
        ArrowRight: all[(index + 1) % all.length],
        ArrowLeft: all[(index - 1 + all.length) % all.length],
        Home: all[0],
        End: all[all.length - 1],
      }[event.key];
      if (next) {
        event.preventDefault();
        selectTab(next, true);
      }
    });
  }
  const initial = $(`tab-${location.hash.slice(1)}`);
  if (initial) selectTab(initial, false);
}

/* ---------- tokens ---------- */

let mintedToken;

function setUpTokens() {
  const form = $('token-form');
  const person = $('token-person');
  for (const radio of form.elements.kind) {
    radio.addEventListener('change', () => {
      person.disabled = form.elements.kind.value !== 'user';
    });
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    $('token-error').textContent = '';
    const kind = form.elements.kind.value;
    const body = { kind, expires_in: Number($('token-expires').value) };
    if (kind === 'user') body.person_id = person.value.trim();
    const response = await fetch('/_local/tokens', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = await response.json();
    if (!response.ok) {
      $('token-error').textContent = answer.errors?.[0]?.detail ?? `Failed (${response.status})`;
      return;
    }
    mintedToken = answer.token;
    $('token-output').value = answer.token;
    $('token-meta').textContent =
      `${kind === 'user' ? `user ${answer.person_id}` : 'partner'}, expires ${new Date(answer.expires_at).toLocaleString()}`;
    $('token-result').hidden = false;
    $('token-status').textContent = '';
  });
  $('token-copy').addEventListener('click', (event) => copyText(mintedToken, event.currentTarget, 'token'));
  $('token-use').addEventListener('click', () => {
    pendingAuthorization = mintedToken;
    applyAuthorization();
    selectTab($('tab-api'), true);
  });
}

/* ---------- API reference (Swagger UI from node_modules, loaded on first use) ---------- */

let swagger;
let swaggerLoading;
let pendingAuthorization;

function applyAuthorization() {
  if (swagger && pendingAuthorization) {
    $('token-status').textContent = 'The API reference now sends this token.';
  }
}

function loadApiReference() {
  if (swaggerLoading) return;
  swaggerLoading = true;
  document.head.append(el('link', { rel: 'stylesheet', href: '/console/vendor/swagger-ui/swagger-ui.css' }));
  const script = el('script', { src: '/console/vendor/swagger-ui/swagger-ui-bundle.js' });
  script.addEventListener('load', () => {
    swagger = window.SwaggerUIBundle({
      url: '/openapi.json',
      dom_id: '#swagger',
      // The default validator is a remote service: the console talks to this server only.
      validatorUrl: null,
      deepLinking: false,
      defaultModelsExpandDepth: 0,
      // The minted token goes on every call, whichever scheme (OAuth2 client credentials or bearer) the route names.
      requestInterceptor: (request) => {
        if (pendingAuthorization) request.headers.Authorization = `Bearer ${pendingAuthorization}`;
        return request;
      },
      onComplete: applyAuthorization,
    });
  });
  script.addEventListener('error', () => {
    $('swagger').replaceChildren(
      el(
        'p',
        { class: 'error' },
        'The renderer (swagger-ui-dist) is not installed; run npm ci. The document itself is at /openapi.json.',
      ),
    );
  });
  document.head.append(script);
}

/* ---------- start ---------- */

for (const id of ['filter-number', 'filter-person']) $(id).addEventListener('input', () => renderSms());
$('search').addEventListener('input', () => {
  renderSms();
  eventsTable.render();
  deliveriesTable.render();
});
$('clear-all').addEventListener('click', async () => {
  await fetch('/_local/console/clear', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: '{}',
  });
});
$('panel-close').addEventListener('click', closePanel);
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && !$('delivery-panel').hidden) closePanel();
});
$('sms-filters').addEventListener('submit', (event) => event.preventDefault());
setUpTabs();
setUpTokens();
connect();
