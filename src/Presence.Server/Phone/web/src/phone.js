// The presence page: signs in over SIP over WebSocket (RFC 7118) with JsSIP, publishes the user's status (PIDF,
// RFC 3903 PUBLISH: JsSIP has no publisher of its own, so one is built on its request sender, which answers the
// digest challenge) and watches buddies (SUBSCRIBE/NOTIFY, RFC 3856), showing each NOTIFY's status as it comes.
'use strict';

const JsSIP = require('jssip');
const SIPMessage = require('jssip/lib/SIPMessage');
const RequestSender = require('jssip/lib/RequestSender');

const PIDF = 'urn:ietf:params:xml:ns:pidf';
const RPID = 'urn:ietf:params:xml:ns:pidf:rpid';
const PO = 'urn:presence-orleans:params:xml:ns:pidf-ext';
const PUBLISH_EXPIRES = 600;
const SUBSCRIBE_EXPIRES = 600;

const LABELS = {
  available: 'available',
  away: 'away',
  busy: 'busy (on the phone)',
  ringing: 'ringing',
  donotdisturb: 'do not disturb',
  unreachable: 'offline',
  pending: 'waiting for approval',
  unknown: 'unknown',
};

let ua = null;
let me = null;
let publication = { etag: null, timer: null, kind: 'available', comment: '' };
const buddies = new Map();

const $ = (id) => document.getElementById(id);

function setState(text) {
  $('state').textContent = text;
}

function aorOf(text) {
  const trimmed = text.trim();
  return /^sips?:/i.test(trimmed) ? trimmed : 'sip:' + trimmed;
}

function escapeXml(text) {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]);
}

// The PIDF the page publishes: open (available), open and away (RPID), or closed with the project's donotdisturb
// and its comment (README "The PIDF extension").
function pidf(kind, comment) {
  const note = comment ? `<note>${escapeXml(comment)}</note>` : '';
  const head = `<?xml version="1.0" encoding="UTF-8"?>\n<presence xmlns="${PIDF}" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" `
    + `xmlns:rpid="${RPID}" xmlns:po="${PO}" entity="${escapeXml(me)}">`;
  if (kind === 'dnd') {
    return `${head}<tuple id="web"><status><basic>closed</basic></status>${note}</tuple>`
      + `<po:donotdisturb>${escapeXml(comment || '')}</po:donotdisturb></presence>`;
  }
  const person = kind === 'away'
    ? `<dm:person id="p"><rpid:activities><rpid:away/></rpid:activities>${comment ? `<dm:note>${escapeXml(comment)}</dm:note>` : ''}</dm:person>`
    : '';
  return `${head}<tuple id="web"><status><basic>open</basic></status></tuple>${person}</presence>`;
}

// One PUBLISH: the first with a body, a refresh without one (RFC 3903 §4.2), a removal with Expires 0; each after the
// first names the entity-tag it changes. A 412 (the server no longer knows the tag) starts over.
function publish({ refresh = false, remove = false } = {}) {
  const headers = ['Event: presence', `Expires: ${remove ? 0 : PUBLISH_EXPIRES}`];
  if (publication.etag) headers.push(`SIP-If-Match: ${publication.etag}`);
  let body;
  if (!refresh && !remove) {
    headers.push('Content-Type: application/pidf+xml');
    body = pidf(publication.kind, publication.comment);
  }
  const request = new SIPMessage.OutgoingRequest('PUBLISH', ua.normalizeTarget(me), ua, null, headers, body);
  return new Promise((resolve, reject) => {
    new RequestSender(ua, request, {
      onRequestTimeout: () => reject(new Error('the server did not answer the PUBLISH')),
      onTransportError: () => reject(new Error('the connection failed')),
      onReceiveResponse: (response) => {
        const code = response.status_code;
        if (code < 200) return;
        if (code < 300) {
          publication.etag = remove ? null : response.getHeader('SIP-ETag');
          clearTimeout(publication.timer);
          if (!remove) {
            const expires = parseInt(response.getHeader('Expires') || PUBLISH_EXPIRES, 10);
            publication.timer = setTimeout(() => publish({ refresh: true }).catch(showError), Math.max(5, expires * 0.9) * 1000);
          }
          resolve();
        } else if (code === 412 && publication.etag) {
          publication.etag = null;
          publish({ refresh: false, remove }).then(resolve, reject);
        } else {
          reject(new Error(`PUBLISH: ${code} ${response.reason_phrase}`));
        }
      },
    }).send();
  });
}

// The status a NOTIFY's document says: the project's extended status when the server wrote it, else basic.
function readPresence(body) {
  const doc = new DOMParser().parseFromString(body || '', 'application/xml');
  if (doc.getElementsByTagName('parsererror').length > 0 || !doc.documentElement) return { status: 'unknown', note: '' };
  const extended = doc.getElementsByTagNameNS(PO, 'extended')[0];
  const basic = doc.getElementsByTagNameNS(PIDF, 'basic')[0];
  const note = doc.getElementsByTagNameNS(PIDF, 'note')[0];
  let status = extended ? extended.textContent.trim()
    : basic && basic.textContent.trim() === 'open' ? 'available' : 'unreachable';
  if (status === 'available' && doc.getElementsByTagNameNS(RPID, 'away').length > 0) status = 'away';
  return { status: LABELS[status] ? status : 'unknown', note: note ? note.textContent.trim() : '' };
}

function showBuddy(aor, { status, note }) {
  const entry = buddies.get(aor);
  if (!entry) return;
  const badge = entry.item.querySelector('.status');
  badge.textContent = LABELS[status];
  badge.className = `status status-${status}`;
  entry.item.dataset.status = status;
  entry.item.querySelector('.note').textContent = note || '';
}

function watch(aor) {
  if (buddies.has(aor) || aor === me) return;
  const item = document.createElement('li');
  item.dataset.aor = aor;
  const name = document.createElement('span');
  name.className = 'aor';
  name.textContent = aor.replace(/^sips?:/, '');
  const badge = document.createElement('span');
  badge.className = 'status';
  const note = document.createElement('span');
  note.className = 'note';
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.textContent = '×';
  remove.title = 'Stop watching';
  remove.addEventListener('click', () => unwatch(aor));
  item.append(name, badge, note, remove);
  $('buddies').append(item);

  const subscriber = ua.subscribe(aor, 'presence', 'application/pidf+xml', { expires: SUBSCRIBE_EXPIRES });
  buddies.set(aor, { item, subscriber });
  showBuddy(aor, { status: 'unknown', note: '' });
  subscriber.on('pending', () => showBuddy(aor, { status: 'pending', note: '' }));
  subscriber.on('notify', (isFinal, request, body) => {
    showBuddy(aor, readPresence(body));
    if (isFinal) showBuddy(aor, { status: 'unknown', note: 'subscription ended' });
  });
  subscriber.on('terminated', () => {
    if (buddies.has(aor)) showBuddy(aor, { status: 'unknown', note: 'subscription ended' });
  });
  subscriber.subscribe();
  saveBuddies();
}

function unwatch(aor) {
  const entry = buddies.get(aor);
  if (!entry) return;
  buddies.delete(aor);
  entry.item.remove();
  try { entry.subscriber.terminate(); } catch { /* already ended */ }
  saveBuddies();
}

function saveBuddies() {
  localStorage.setItem(`presence-buddies:${me}`, JSON.stringify([...buddies.keys()]));
}

function showError(error) {
  const text = error && error.message ? error.message : String(error);
  ($('me-section').hidden ? $('signin-error') : $('error')).textContent = text;
}

async function signIn(event) {
  event.preventDefault();
  $('signin-error').textContent = '';
  me = aorOf($('user').value);
  let url;
  try {
    const response = await fetch('/phone/config.json', { cache: 'no-store' });
    const config = await response.json();
    if (!response.ok) throw new Error(config.error || `config: ${response.status}`);
    url = config.webSocketUrl;
  } catch (error) {
    showError(error);
    return;
  }
  setState('connecting…');
  ua = new JsSIP.UA({
    sockets: [new JsSIP.WebSocketInterface(url)],
    uri: me,
    password: $('password').value,
    register: true,
    register_expires: 600,
    user_agent: 'Presence.Orleans phone (JsSIP)',
  });
  ua.on('connected', () => setState('connected'));
  ua.on('disconnected', () => setState('disconnected, retrying…'));
  ua.on('registrationFailed', (e) => {
    setState('signed out');
    showError(`Sign-in failed: ${e.cause}${e.response ? ` (${e.response.status_code} ${e.response.reason_phrase})` : ''}`);
    ua.stop();
    ua = null;
  });
  ua.on('registered', () => {
    setState('registered');
    if (!$('signin-section').hidden) {
      $('signin-section').hidden = true;
      $('me-section').hidden = false;
      $('me').textContent = me.replace(/^sips?:/, '');
      publish().then(() => showPublished(), showError);
      JSON.parse(localStorage.getItem(`presence-buddies:${me}`) || '[]').forEach(watch);
    }
  });
  ua.start();
}

function showPublished() {
  const text = { available: 'available', away: 'away', dnd: 'do not disturb' }[publication.kind];
  $('published').textContent = `Published: ${text}${publication.comment ? ` — ${publication.comment}` : ''}`;
}

function setStatus(event) {
  event.preventDefault();
  publication.kind = document.querySelector('input[name=status]:checked').value;
  publication.comment = $('comment').value.trim();
  publish().then(() => showPublished(), showError);
}

function addBuddy(event) {
  event.preventDefault();
  $('error').textContent = '';
  try {
    watch(aorOf($('buddy').value));
  } catch (error) {
    showError(error);
  }
  $('buddy').value = '';
}

async function signOut() {
  clearTimeout(publication.timer);
  try {
    if (publication.etag) await publish({ remove: true });
  } catch { /* the server lets it expire */ }
  for (const aor of [...buddies.keys()]) {
    const entry = buddies.get(aor);
    buddies.delete(aor);
    entry.item.remove();
    try { entry.subscriber.terminate(); } catch { /* already ended */ }
  }
  publication = { etag: null, timer: null, kind: 'available', comment: '' };
  if (ua) {
    const leaving = ua;
    ua = null;
    leaving.unregister();
    setTimeout(() => leaving.stop(), 500);
  }
  $('me-section').hidden = true;
  $('signin-section').hidden = false;
  setState('signed out');
}

document.addEventListener('DOMContentLoaded', () => {
  $('signin').addEventListener('submit', signIn);
  $('status-form').addEventListener('submit', setStatus);
  $('buddy-form').addEventListener('submit', addBuddy);
  $('signout').addEventListener('click', signOut);
});
