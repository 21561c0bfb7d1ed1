/*
 * The employees' app in the browser: sign-in, the days they have left, the form, their
 * requests, a request's status, and for approvers what waits for their decision (decided here
 * too) and their team's leave.
 *
 * Served as `{submit_url}app.js` (a script of the same origin, so the page's Content Security
 * Policy allows no inline script). Sign-in is OpenID Connect's authorization code flow with PKCE
 * against the configured issuer (Cognito's hosted sign-in, the company's IdP, or the sandbox's);
 * the ID token stays in this tab's sessionStorage and goes to the API as a bearer token, which
 * the API verifies: nothing here is trusted by the server. Everything shown is put in the page
 * as text, never as HTML.
 *
 * Its settings and words come from the page (handlers/web/employee_app.py), as JSON.
 *
 * Over 400 lines, on purpose: one file is one request for the browser, with no build step, and
 * its parts (sign-in, the days left, the form, the list, the status, the approver's decisions,
 * team, delegation and calendar cards) share the session and the API helpers at the top.
 */
// Its own scope: nothing here becomes a global of the page.
(() => {
  'use strict';
  const config = JSON.parse(document.getElementById('config').textContent);
  const words = config.wording;
  const base = config.base_url;
  const basePath = new URL(base).pathname;
  const SESSION = 'leave.session';
  const PKCE = 'leave.pkce';
  const main = document.querySelector('main');
  const who = document.getElementById('who');

  function h(tag, attributes, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === false || value === null || value === undefined) continue;
      if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
      else element.setAttribute(name, value === true ? '' : value);
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return element;
  }

  function show(...content) {
    main.replaceChildren(...content.filter((part) => part !== null && part !== undefined));
    const heading = main.querySelector('h1');
    if (heading) { heading.setAttribute('tabindex', '-1'); heading.focus(); }
  }

  function banner(kind, text) {
    return h('div', {class: 'banner ' + kind, role: kind === 'error' ? 'alert' : 'status'}, text);
  }

  // -- signing in -------------------------------------------------------------------------------

  function base64url(bytes) {
    let text = '';
    for (const byte of bytes) text += String.fromCharCode(byte);
    return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function session() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(SESSION));
      return saved && saved.expires_at > Date.now() / 1000 + 30 ? saved : null;
    } catch (error) { return null; }
  }

  async function signIn() {
    const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
    const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
    sessionStorage.setItem(PKCE, JSON.stringify({verifier, state, back: location.pathname}));
    const query = new URLSearchParams({
      response_type: 'code', client_id: config.client_id, redirect_uri: base,
      scope: 'openid email', state, code_challenge: base64url(new Uint8Array(digest)),
      code_challenge_method: 'S256',
    });
    location.assign(config.authorization_endpoint + '?' + query);
  }

  async function finishSignIn(params) {
    const pkce = JSON.parse(sessionStorage.getItem(PKCE) || 'null');
    sessionStorage.removeItem(PKCE);
    if (!pkce || params.get('state') !== pkce.state) {
      throw new Error('That sign-in was not started from this page. Please sign in again.');
    }
    const answer = await fetch(config.token_endpoint, {
      method: 'POST',
      headers: {'Content-Type': 'application/x-www-form-urlencoded'},
      body: new URLSearchParams({
        grant_type: 'authorization_code', code: params.get('code'), client_id: config.client_id,
        redirect_uri: base, code_verifier: pkce.verifier,
      }),
    });
    if (!answer.ok) throw new Error('The sign-in could not be completed. Please sign in again.');
    const token = (await answer.json()).id_token;
    // Read only to show who is signed in: the API verifies the token on every call.
    const claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    sessionStorage.setItem(SESSION, JSON.stringify({token, email: claims.email, expires_at: claims.exp}));
    history.replaceState(null, '', pkce.back || basePath);
  }

  function signOut() {
    sessionStorage.removeItem(SESSION);
    render();
  }

  function signInPage(problem) {
    who.replaceChildren();
    show(
      h('h1', {}, 'Leave requests'),
      problem ? banner('error', problem) : null,
      h('div', {class: 'card'},
        h('p', {}, 'Sign in with your work account to request leave and follow your requests.'),
        h('button', {class: 'primary', type: 'button', onclick: signIn}, 'Sign in')),
    );
  }

  // -- the API ----------------------------------------------------------------------------------

  class SignedOut extends Error {}

  async function api(path, options) {
    const current = session();
    if (!current) throw new SignedOut();
    const headers = {...(options && options.headers), Authorization: 'Bearer ' + current.token,
                     Accept: 'application/json'};
    let answer;
    try {
      answer = await fetch(base + path, {...options, headers});
    } catch (error) {
      throw new Error('The service could not be reached. Check your connection and try again.');
    }
    if (answer.status === 401) { sessionStorage.removeItem(SESSION); throw new SignedOut(); }
    let body = {};
    try { body = await answer.json(); } catch (error) { body = {}; }
    if (answer.status === 429 && answer.headers.get('Retry-After')) {
      body.message = 'Many people are using the service right now. Please try again in a few seconds.';
    }
    return {status: answer.status, body};
  }

  // -- pages ------------------------------------------------------------------------------------

  // Days and moments in the reader's own locale (the browser's languages); a moment in their
  // time zone, named. A leave's day is a calendar day, the same wherever it is read.
  const dayStyle = new Intl.DateTimeFormat(navigator.languages,
    {weekday: 'short', day: 'numeric', month: 'short', year: 'numeric'});
  const momentStyle = new Intl.DateTimeFormat(navigator.languages,
    {weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: 'numeric',
     minute: '2-digit', timeZoneName: 'short'});

  function calendarDay(iso) {
    const [year, month, day] = iso.split('-').map(Number);
    return new Date(year, month - 1, day);
  }

  function formatDate(iso) {
    return dayStyle.format(calendarDay(iso));
  }

  // One day reads as that day; several as the locale writes a range ("Mon 3 – Fri 7 Aug 2026").
  function formatDates(firstIso, lastIso) {
    return firstIso === lastIso ? formatDate(firstIso)
      : dayStyle.formatRange(calendarDay(firstIso), calendarDay(lastIso));
  }

  function formatMoment(iso) {
    return momentStyle.format(new Date(iso));
  }

  // How long a request is, as the service counted it when it was submitted: its working days
  // (or, for a request from before working days were counted, its calendar days).
  function dayCount(request) {
    const kind = request.working_days === undefined ? 'calendar' : 'working';
    const template = words.day_counts[kind + (request.days === 1 ? '_one' : '_other')];
    return template.replace('{count}', String(request.days));
  }

  function isoDay(date) {
    const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
    return local.toISOString().slice(0, 10);
  }

  function nextMonday() {
    const day = new Date();
    day.setDate(day.getDate() + ((8 - day.getDay()) % 7 || 7));
    return day;
  }

  function badge(status) {
    return h('span', {class: 'badge ' + status}, words.statuses[status] || status);
  }

  function field(name, label, control, hint) {
    return h('div', {},
      h('label', {for: name}, label, hint ? h('span', {class: 'hint'}, ' ' + hint) : null),
      control,
      h('p', {class: 'field-error', id: name + '-error', hidden: true}));
  }

  function markErrors(form, errors) {
    for (const element of form.querySelectorAll('[aria-invalid]')) {
      element.removeAttribute('aria-invalid');
      element.removeAttribute('aria-describedby');
    }
    for (const element of form.querySelectorAll('.field-error')) {
      element.hidden = true; element.textContent = '';
    }
    let first = null;
    for (const {field: name, problem, request_id} of errors) {
      const control = form.elements[name];
      const message = form.querySelector('#' + name + '-error');
      const label = words.fields[name] || words.fields.body;
      const text = label + ': ' + problem.replace(/\.$/, '') + '.';
      // A problem about another of one's requests (the one these dates overlap) links to it.
      const other = request_id ? [' ', h('a', {href: basePath + 'requests/' + encodeURIComponent(request_id),
        onclick: follow}, 'Open that request')] : [];
      if (control && message) {
        control.setAttribute('aria-invalid', 'true');
        control.setAttribute('aria-describedby', name + '-error');
        message.replaceChildren(text, ...other); message.hidden = false;
        first = first || control;
      } else {
        const shown = banner('error', text); shown.append(...other);
        form.querySelector('.form-error').replaceChildren(shown);
      }
    }
    if (first) first.focus();
  }

  // -- what is left ------------------------------------------------------------------------------

  // Allowances are counted in working days, as requests are.
  function workingDays(count) {
    return words.day_counts[count === 1 ? 'working_one' : 'working_other']
      .replace('{count}', String(count));
  }

  function typeName(leaveType) {
    return words.leave_types[leaveType] || leaveType;
  }

  function balanceRow(balance) {
    const figure = balance.unlimited ? 'No limit'
      : [h('strong', {}, String(balance.left)), ' of ' + workingDays(balance.allowance) + ' left'];
    const detail = [balance.taken + ' taken', balance.held ? balance.held + ' waiting for a decision' : null];
    return h('li', {},
      h('span', {class: 'type'}, typeName(balance.leave_type)),
      h('span', {class: 'figure'}, figure),
      h('span', {class: 'detail'}, detail.filter(Boolean).join(' · ')));
  }

  function balanceYear(year, balances) {
    const mine = balances.filter((balance) => balance.year === year);
    // Types without a limit that nothing was asked for go on one line.
    const shown = mine.filter((balance) => !balance.unlimited || balance.taken || balance.held);
    const free = mine.filter((balance) => !shown.includes(balance));
    return h('div', {class: 'balance-year'},
      h('h3', {}, String(year)),
      shown.length ? h('ul', {class: 'balances'}, shown.map(balanceRow)) : null,
      free.length ? h('p', {class: 'hint'}, 'No limit: ' + free.map((b) => typeName(b.leave_type)).join(', ') + '.') : null);
  }

  function balanceCard(balances) {
    const card = h('section', {class: 'card', 'aria-labelledby': 'left'},
      h('h2', {id: 'left'}, 'Days left'),
      h('p', {class: 'muted'}, 'Loading…'));
    balances.then((body) => {
      card.replaceChildren(card.firstChild,
        h('div', {class: 'balance-years'}, body.years.map((year) => balanceYear(year, body.balances))),
        h('p', {class: 'hint'}, 'A request holds its days while it waits for a decision; they come back if it is not approved, or if you cancel it.'));
    }).catch((error) => card.replaceChildren(card.firstChild,
      banner('error', error instanceof SignedOut ? 'Your sign-in has expired. Please sign in again.' : error.message)));
    return card;
  }

  // What is left of the chosen type in the years of the chosen dates, under the form's type.
  function leftFor(body, leaveType, firstDay, lastDay) {
    const years = [...new Set([firstDay, lastDay].filter(Boolean).map((day) => Number(day.slice(0, 4))))];
    const parts = years.map((year) => body.balances.find((b) => b.year === year && b.leave_type === leaveType))
      .filter(Boolean)
      .map((b) => b.unlimited ? 'no limit in ' + b.year : workingDays(b.left) + ' left in ' + b.year);
    return parts.length ? typeName(leaveType) + ': ' + parts.join(', ') + '.' : '';
  }

  function requestForm(balances) {
    const firstDay = nextMonday();
    const lastDay = new Date(firstDay); lastDay.setDate(firstDay.getDate() + 4);
    let idempotencyKey = crypto.randomUUID();
    const types = Object.entries(words.leave_types).map(
      ([value, label]) => h('option', {value}, label));
    const form = h('form', {novalidate: true, class: 'card'},
      h('h2', {}, 'Request leave'),
      h('div', {class: 'form-error'}),
      h('div', {class: 'row'},
        field('start_date', words.fields.start_date,
          h('input', {id: 'start_date', name: 'start_date', type: 'date', required: true,
                      value: isoDay(firstDay), min: isoDay(new Date())})),
        field('end_date', words.fields.end_date,
          h('input', {id: 'end_date', name: 'end_date', type: 'date', required: true,
                      value: isoDay(lastDay), min: isoDay(firstDay)}))),
      field('leave_type', words.fields.leave_type,
        h('select', {id: 'leave_type', name: 'leave_type'}, types)),
      field('reason', words.fields.reason,
        h('textarea', {id: 'reason', name: 'reason', maxlength: '500', rows: '3'}),
        '(optional: your approver sees it)'),
      h('div', {class: 'actions'},
        h('button', {class: 'primary', type: 'submit'}, 'Send to my approver')));
    form.elements.start_date.addEventListener('change', () => {
      form.elements.end_date.min = form.elements.start_date.value;
    });
    const left = h('p', {class: 'hint', id: 'leave_type-left', 'aria-live': 'polite'});
    form.elements.leave_type.after(left);
    const showLeft = () => balances.then((body) => {
      left.textContent = leftFor(body, form.elements.leave_type.value,
        form.elements.start_date.value, form.elements.end_date.value);
    }).catch(() => { left.textContent = ''; });
    for (const name of ['leave_type', 'start_date', 'end_date']) form.elements[name].addEventListener('change', showLeft);
    showLeft();
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const values = Object.fromEntries(new FormData(form));
      const problems = [];
      if (!values.start_date) problems.push({field: 'start_date', problem: 'choose the first day of your leave'});
      if (!values.end_date) problems.push({field: 'end_date', problem: 'choose the last day of your leave'});
      if (values.start_date && values.end_date && values.end_date < values.start_date) {
        problems.push({field: 'end_date', problem: 'choose a day on or after the first day'});
      }
      markErrors(form, problems);
      if (problems.length) return;
      if (!values.reason) delete values.reason;
      const button = form.querySelector('button[type=submit]');
      button.disabled = true; button.textContent = 'Sending…';
      try {
        const {status, body} = await api('', {
          method: 'POST', body: JSON.stringify(values),
          headers: {'Content-Type': 'application/json', 'Idempotency-Key': idempotencyKey},
        });
        if (status === 202) { go(basePath + 'requests/' + body.request_id, 'sent'); return; }
        if (body.errors && body.errors.length) markErrors(form, body.errors);
        else markErrors(form, [{field: 'body', problem: body.message || 'the request could not be sent'}]);
        if (status !== 503 && status !== 429) idempotencyKey = crypto.randomUUID();
      } catch (error) {
        if (error instanceof SignedOut) { signInPage('Your sign-in has expired. Please sign in again.'); return; }
        markErrors(form, [{field: 'body', problem: error.message}]);
      } finally {
        button.disabled = false; button.textContent = 'Send to my approver';
      }
    });
    return form;
  }

  function calendarCard() {
    const card = h('section', {class: 'card', 'aria-labelledby': 'feed'},
      h('h2', {id: 'feed'}, 'Approved leave in your calendar'),
      h('p', {class: 'muted'}, 'Loading…'));
    api('calendar').then(({status, body}) => {
      if (status !== 200) { card.replaceChildren(card.firstChild, banner('error', body.message || 'This could not be loaded.')); return; }
      const address = h('input', {id: 'feed-url', type: 'text', readonly: true, value: body.url,
                                  'aria-label': 'Calendar address'});
      address.addEventListener('focus', () => address.select());
      const outcome = h('div', {});
      const rotate = h('button', {id: 'feed-rotate', class: 'secondary', type: 'button'}, 'Get a new address');
      rotate.addEventListener('click', async () => {
        rotate.disabled = true;
        try {
          const answer = await api('calendar/rotate', {method: 'POST'});
          if (answer.status === 200) {
            address.value = answer.body.url;
            outcome.replaceChildren(banner('info', 'This is your new address. The old one no longer opens your calendar: your calendar apps will need the new address.'));
          } else {
            outcome.replaceChildren(banner('error', answer.body.message || 'A new address could not be made. Please try again.'));
          }
        } catch (error) {
          outcome.replaceChildren(banner('error', error instanceof SignedOut ? 'Your sign-in has expired. Please sign in again.' : error.message));
        } finally {
          rotate.disabled = false;
        }
      });
      card.replaceChildren(card.firstChild,
        h('p', {}, 'Subscribe to this address in your calendar app (add a calendar “from URL”) to see your approved leave, and the leave you approved for others.'),
        address,
        h('p', {class: 'hint'}, 'Keep it to yourself: anyone with the address can read the calendar. If it got out, get a new one: the old address stops working at once, and your calendar apps will need the new address.'),
        outcome,
        h('div', {class: 'actions'}, rotate));
    }).catch((error) => card.replaceChildren(card.firstChild, banner('error', error.message)));
    return card;
  }

  function delegationCard() {
    const card = h('section', {class: 'card', 'aria-labelledby': 'away'},
      h('h2', {id: 'away'}, 'Away? Hand your approvals over'),
      h('p', {class: 'muted'}, 'Loading…'));
    const shown = (delegation) => {
      if (delegation) {
        const end = h('button', {class: 'secondary', type: 'button'}, 'End it now');
        end.addEventListener('click', async () => {
          end.disabled = true;
          const {status, body} = await api('delegation', {method: 'DELETE'});
          if (status === 200 || status === 404) shown(null);
          else { end.disabled = false; card.append(banner('error', body.message || 'It could not be ended.')); }
        });
        card.replaceChildren(card.firstChild,
          h('p', {}, formatDates(delegation.starts_on, delegation.ends_on) + ': ',
            h('strong', {}, delegation.delegate_email),
            ' decides the leave requests that come to you. Requests already waiting for you go to them when it starts.'),
          h('div', {class: 'actions'}, end));
        return;
      }
      card.replaceChildren(card.firstChild, delegationForm(shown));
    };
    api('delegation').then(({status, body}) => {
      if (status === 200) shown(body.delegation);
      else card.replaceChildren(card.firstChild, banner('error', body.message || 'This could not be loaded.'));
    }).catch((error) => card.replaceChildren(card.firstChild, banner('error', error.message)));
    return card;
  }

  function delegationForm(shown) {
    const today = new Date();
    const week = new Date(today); week.setDate(today.getDate() + 7);
    const form = h('form', {novalidate: true},
      h('p', {}, 'While you are away, someone you choose decides the leave requests that come to you.'),
      h('div', {class: 'form-error'}),
      field('delegate_email', words.fields.delegate_email,
        h('input', {id: 'delegate_email', name: 'delegate_email', type: 'email', required: true,
                    autocomplete: 'off', placeholder: 'colleague@example.com'})),
      h('div', {class: 'row'},
        field('starts_on', words.fields.starts_on,
          h('input', {id: 'starts_on', name: 'starts_on', type: 'date', required: true,
                      value: isoDay(today), min: isoDay(today)})),
        field('ends_on', words.fields.ends_on,
          h('input', {id: 'ends_on', name: 'ends_on', type: 'date', required: true,
                      value: isoDay(week), min: isoDay(today)}))),
      h('div', {class: 'actions'}, h('button', {class: 'secondary', type: 'submit'}, 'Hand over')));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const values = Object.fromEntries(new FormData(form));
      const problems = [];
      if (!values.delegate_email) problems.push({field: 'delegate_email', problem: 'enter the address of who decides for you'});
      if (values.starts_on && values.ends_on && values.ends_on < values.starts_on) {
        problems.push({field: 'ends_on', problem: 'choose a day on or after the first day'});
      }
      markErrors(form, problems);
      if (problems.length) return;
      const {status, body} = await api('delegation', {
        method: 'PUT', body: JSON.stringify(values), headers: {'Content-Type': 'application/json'},
      });
      if (status === 200) { shown(body.delegation); return; }
      markErrors(form, body.errors && body.errors.length ? body.errors
        : [{field: 'body', problem: body.message || 'it could not be set'}]);
    });
    return form;
  }

  // -- an approver's part: what waits for their decision, and their team's leave ---------------

  const approvals = words.approvals;

  // A sentence of `approvals` with its {placeholders} filled.
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
  }

  function daysOf(leave) {
    return leave.start_date === leave.end_date ? formatDate(leave.start_date)
      : formatDate(leave.start_date) + ' – ' + formatDate(leave.end_date);
  }

  // Who in a team is off (approved) or has asked (pending) on which days: no more is sent.
  function teamLeaveList(leave) {
    return h('ul', {class: 'requests team'}, leave.map((one) => h('li', {},
      h('span', {}, h('strong', {}, one.employee_email), h('br'), h('span', {class: 'muted'}, daysOf(one))),
      h('span', {class: 'badge ' + one.status}, words.team_leave[one.status] || one.status))));
  }

  function waitingItem(request, index, decided) {
    const heading = h('h3', {id: 'waiting-' + index}, request.employee_email + ': ' + daysOf(request));
    const comment = h('textarea', {id: 'comment-' + index, name: 'comment', rows: '2', maxlength: '1000'});
    const outcome = h('div', {});
    const approve = h('button', {class: 'primary', type: 'button'}, approvals.approve);
    const reject = h('button', {class: 'danger', type: 'button'}, approvals.reject);
    const rows = [
      [words.fields.leave_type, words.leave_types[request.leave_type] || request.leave_type],
      [approvals.days, String(request.days)],
      [approvals.reason, request.reason || approvals.no_reason],
    ];
    if (request.decision_deadline) rows.push([approvals.decide_by, formatMoment(request.decision_deadline)]);
    let item = null;
    const decide = async (choice) => {
      const names = {employee: request.employee_email, first: formatDate(request.start_date),
                     last: formatDate(request.end_date)};
      if (choice === 'reject' && !window.confirm(fill(approvals.confirm_reject, names))) return;
      approve.disabled = true; reject.disabled = true;
      const sent = {decision: choice};
      if (comment.value.trim()) sent.comment = comment.value.trim();
      let retry = true;
      try {
        const {status, body} = await api('approvals/' + encodeURIComponent(request.request_id), {
          method: 'POST', body: JSON.stringify(sent), headers: {'Content-Type': 'application/json'},
        });
        if (status === 200) {
          item.replaceChildren(heading,
            banner('info', fill(approvals[choice === 'approve' ? 'approved' : 'rejected'], names)));
          decided();
          return;
        }
        // Decided or moved on meanwhile, expired, or not theirs: only a busy moment may pass.
        retry = status === 503 || status === 429;
        outcome.replaceChildren(banner('error', body.message || approvals.not_sent));
      } catch (error) {
        if (error instanceof SignedOut) { signInPage('Your sign-in has expired. Please sign in again.'); return; }
        outcome.replaceChildren(banner('error', error.message));
      } finally {
        if (retry) { approve.disabled = false; reject.disabled = false; }
      }
    };
    approve.addEventListener('click', () => decide('approve'));
    reject.addEventListener('click', () => decide('reject'));
    item = h('article', {class: 'decide', 'aria-labelledby': 'waiting-' + index},
      heading,
      request.standing_in_for ? h('p', {class: 'muted'}, fill(approvals.standing_in, {approver: request.standing_in_for})) : null,
      h('dl', {class: 'summary'}, rows.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
      h('h4', {}, approvals.overlap_heading),
      request.overlapping.length ? teamLeaveList(request.overlapping) : h('p', {class: 'muted'}, approvals.no_overlap),
      h('label', {for: 'comment-' + index}, approvals.comment, h('span', {class: 'hint'}, ' ' + approvals.comment_hint)),
      comment,
      outcome,
      h('div', {class: 'actions'}, approve, reject));
    return item;
  }

  function teamCards(teams) {
    return teams.map((team, index) => {
      const heading = team.approver_email === session().email ? approvals.own_team_heading
        : fill(approvals.team_heading, {approver: team.approver_email});
      return h('section', {class: 'card', 'aria-labelledby': 'team-' + index},
        h('h2', {id: 'team-' + index}, heading), teamLeaveList(team.leave));
    });
  }

  // Nothing at all for someone who approves nobody. Once they decided, their teams' leave is
  // read again (what they approved is off now; what they rejected is gone).
  function approverPart() {
    const part = h('div', {id: 'approvals'});
    const teams = h('div', {});
    const refreshTeams = () => api('approvals').then(({status, body}) => {
      if (status === 200) teams.replaceChildren(...teamCards(body.teams));
    }).catch(() => {});
    api('approvals').then(({status, body}) => {
      if (status !== 200) { part.replaceChildren(banner('error', body.message || approvals.not_loaded)); return; }
      teams.replaceChildren(...teamCards(body.teams));
      const waiting = h('section', {class: 'card', 'aria-labelledby': 'waiting'},
        h('h2', {id: 'waiting'}, approvals.waiting_heading),
        body.waiting.map((request, index) => waitingItem(request, index, refreshTeams)));
      part.replaceChildren(...(body.waiting.length ? [waiting, teams] : [teams]));
    }).catch((error) => {
      if (!(error instanceof SignedOut)) part.replaceChildren(banner('error', error.message));
    });
    return part;
  }

  async function homePage() {
    const list = h('ul', {class: 'requests'}, h('li', {class: 'muted'}, 'Loading your requests…'));
    const balances = api('balance').then(({status, body}) => {
      if (status !== 200) throw new Error(body.message || 'What is left could not be loaded.');
      return body;
    });
    show(
      h('h1', {}, 'Leave requests'),
      approverPart(),
      balanceCard(balances),
      requestForm(balances),
      h('section', {class: 'card', 'aria-labelledby': 'yours'},
        h('h2', {id: 'yours'}, 'Your requests'), list),
      calendarCard(),
      delegationCard(),
    );
    const {status, body} = await api('requests');
    if (status !== 200) { list.replaceChildren(h('li', {}, body.message || 'Your requests could not be loaded.')); return; }
    if (!body.requests.length) { list.replaceChildren(h('li', {class: 'muted'}, 'No requests yet.')); return; }
    // The dates name the request; its length beneath them, so that the status fits beside both.
    list.replaceChildren(...body.requests.map((request) => h('li', {},
      h('div', {},
        h('a', {href: basePath + 'requests/' + request.request_id, onclick: follow},
          formatDates(request.start_date, request.end_date)),
        h('div', {class: 'muted'}, dayCount(request))),
      badge(request.status))));
  }

  function summary(request) {
    const rows = [
      ['Type', words.leave_types[request.leave_type] || request.leave_type],
      ['Dates', formatDates(request.start_date, request.end_date)],
      ['Days', dayCount(request)],
      ['Reason', request.reason || '(none given)'],
      ['Approver', request.approver_email],
      ['Employee', request.employee_email],
    ];
    return h('dl', {class: 'summary'}, rows.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
  }

  function eventLabel(entry) {
    let label = words.events[entry.event] || entry.event;
    if (entry.to_approver) label += ' ' + entry.to_approver;
    if (entry.by) label += entry.to_approver ? ' (approved by ' + entry.by + ')' : ' by ' + entry.by;
    return label;
  }

  function timeline(history) {
    return h('ol', {class: 'timeline'}, history.map((entry) => h('li', {},
      h('strong', {}, eventLabel(entry)),
      h('time', {datetime: entry.at}, formatMoment(entry.at)),
      entry.comment ? h('p', {}, '“' + entry.comment + '”') : null)));
  }

  // What the employee may still do: withdraw a request nobody decided, cancel leave not begun.
  function takeBack(request) {
    const today = isoDay(new Date());
    const action = request.status === 'pending' ? ['withdraw', 'Withdraw this request',
        'Withdraw this request? Your approver will be told, and the dates are free again.']
      : request.status === 'approved' && request.start_date > today ? ['cancel', 'Cancel this leave',
        'Cancel this leave? Your approver will be told, and the dates are free again.']
      : null;
    if (!action) return null;
    const [verb, label, question] = action;
    const button = h('button', {class: 'secondary', type: 'button'}, label);
    const problem = h('div', {});
    button.addEventListener('click', async () => {
      if (!window.confirm(question)) return;
      button.disabled = true;
      const {status, body} = await api('requests/' + encodeURIComponent(request.request_id) + '/' + verb, {method: 'POST'});
      if (status === 200 || status === 202) { statusPage(request.request_id); return; }
      button.disabled = false;
      problem.replaceChildren(banner('error', body.message || 'That did not work: please try again.'));
    });
    return h('div', {}, problem, h('div', {class: 'actions'}, button));
  }

  async function statusPage(requestId, note) {
    show(h('h1', {}, 'Leave request'), h('p', {class: 'muted'}, 'Loading…'));
    const {status, body} = await api('requests/' + encodeURIComponent(requestId));
    const back = h('p', {}, h('a', {href: basePath, onclick: follow}, '← Your requests'));
    if (status !== 200) {
      show(back, h('h1', {}, 'Leave request'), banner('error', body.message || 'This request could not be loaded.'));
      return;
    }
    const mine = session().email === body.employee_email;
    show(
      back,
      h('h1', {}, 'Leave request ', badge(body.status)),
      note === 'sent' ? banner('info', 'Your request was sent to ' + body.approver_email + '. We emailed you a receipt.') : null,
      h('section', {class: 'card'}, h('h2', {}, 'What happens next'), h('p', {}, words.next_steps[body.status] || ''),
        mine ? takeBack(body) : null),
      h('section', {class: 'card'}, h('h2', {}, 'Details'), summary(body)),
      h('section', {class: 'card'}, h('h2', {}, 'Timeline'), timeline(body.history || [])),
      h('p', {class: 'muted'}, 'Reference ' + body.request_id),
    );
  }

  // -- navigation -------------------------------------------------------------------------------

  function follow(event) {
    event.preventDefault();
    go(event.currentTarget.getAttribute('href'));
  }

  function go(path, note) {
    history.pushState(null, '', path);
    render(note);
  }

  async function render(note) {
    const current = session();
    if (!current) { signInPage(); return; }
    who.replaceChildren(current.email + ' · ',
      h('button', {class: 'link', type: 'button', onclick: signOut}, 'Sign out'));
    const path = location.pathname;
    try {
      if (path.startsWith(basePath + 'requests/')) await statusPage(decodeURIComponent(path.slice((basePath + 'requests/').length)), note);
      else await homePage();
    } catch (error) {
      if (error instanceof SignedOut) signInPage('Your sign-in has expired. Please sign in again.');
      else show(h('h1', {}, 'Leave requests'), banner('error', error.message));
    }
  }

  async function start() {
    const params = new URLSearchParams(location.search);
    try {
      if (params.has('error')) throw new Error('The sign-in was cancelled or refused. Please try again.');
      if (params.has('code')) await finishSignIn(params);
    } catch (error) {
      history.replaceState(null, '', basePath);
      signInPage(error.message);
      return;
    }
    render();
  }

  window.addEventListener('popstate', () => render());
  start();
})();
