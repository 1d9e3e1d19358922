/* The hall's display board (booking/web/display.py). It follows the board's event stream, redraws the board
   from each message, and calls each ticket out loud: a chime, then the sentence the server wrote, in the
   TV's own Indonesian voice if it has one, otherwise as audio the server makes (espeak-ng). EventSource
   reconnects by itself; a watchdog reopens a stream gone silent (the server says "alive" every 15 s). */
(() => {
  "use strict";
  const body = document.body;
  const { stream: streamUrl, speech: speechUrl, lang, timezone } = body.dataset;
  const skew = Number(body.dataset.now) - Date.now(); // show the server's time, whatever the TV's clock says
  const WATCHDOG_MS = 45000; // three keep-alives missed: the line is dead even if the socket is not closed
  const REOPEN_MS = 3000;
  const MAX_PENDING = 8; // calls waiting to be spoken; older ones are dropped (they are on the screen)
  const status = document.getElementById("status");
  const locale = lang === "en" ? "en-GB" : "id-ID";

  // --- the clock ------------------------------------------------------------------------------------------
  const timeFormat = new Intl.DateTimeFormat(locale, { timeZone: timezone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const dateFormat = new Intl.DateTimeFormat(locale, { timeZone: timezone, weekday: "long", day: "numeric", month: "long", year: "numeric" });
  const tick = () => {
    const now = new Date(Date.now() + skew);
    document.getElementById("clock").textContent = timeFormat.format(now);
    document.getElementById("date").textContent = dateFormat.format(now);
    setTimeout(tick, 1000 - (now.getTime() % 1000) + 5);
  };
  tick();

  // --- drawing the board ----------------------------------------------------------------------------------
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const clockOf = (instant) => {
    const hhmm = String(instant).slice(11, 16); // "2026-11-30T08:31:00+07:00": the site's own time
    return lang === "en" ? hhmm : hhmm.replace(":", ".");
  };

  const render = (board, fresh) => {
    const calling = document.getElementById("calling");
    calling.replaceChildren(...board.calling.map((call, index) => {
      const item = el("li", "call" + (index === 0 ? " newest" : "") + (fresh.has(call.ticket) ? " fresh" : ""));
      item.dataset.ticket = call.ticket;
      item.dataset.counter = call.counter;
      item.append(el("span", "ticket", call.ticket), el("span", "to", calling.dataset.to), el("span", "counter", call.counter));
      return item;
    }));
    document.getElementById("no-calls").hidden = board.calling.length > 0;

    const recent = document.getElementById("recent");
    recent.replaceChildren(...board.recent.map((call) => {
      const item = el("li");
      item.dataset.ticket = call.ticket;
      const when = el("time", "", clockOf(call.called_at));
      when.dateTime = call.called_at;
      item.append(el("span", "ticket", call.ticket), " ", el("span", "counter", call.counter), " ", when);
      return item;
    }));
    document.getElementById("no-recent").hidden = board.recent.length > 0;

    const waiting = document.getElementById("waiting");
    waiting.replaceChildren(...board.waiting.map((row) => {
      const line = el("tr");
      line.dataset.agency = row.agency;
      line.append(el("td", "", row.name), el("td", "", row.prefix), el("td", "count", String(row.count)));
      return line;
    }));
    document.getElementById("nobody-waiting").hidden = board.waiting.length > 0;
  };

  // --- sound: a chime, then the sentence -----------------------------------------------------------------
  let audio = null;
  const audioContext = () => {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!audio && Context) audio = new Context();
    return audio;
  };
  const soundButton = document.getElementById("sound-on");
  const needSound = () => { soundButton.hidden = false; };
  soundButton.addEventListener("click", () => {
    soundButton.hidden = true;
    const context = audioContext();
    if (context) context.resume();
  });
  const later = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  const note = (context, frequency, at, length) => {
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.type = "sine";
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.35, at + 0.03);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + length);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(at);
    oscillator.stop(at + length + 0.05);
  };
  const chime = async () => {
    const context = audioContext();
    if (!context) return;
    if (context.state === "suspended") {
      await Promise.race([context.resume().catch(() => {}), later(1500)]);
      if (context.state !== "running") { needSound(); return; } // the browser wants a tap first
    }
    const at = context.currentTime + 0.05;
    note(context, 784, at, 0.7); // G5, then D5: "ding-dong"
    note(context, 587, at + 0.55, 1.0);
    await later(1700);
  };

  if ("speechSynthesis" in window) speechSynthesis.getVoices(); // the list loads in the background
  const indonesianVoice = () => {
    if (!("speechSynthesis" in window)) return null;
    return speechSynthesis.getVoices().find((voice) => (voice.lang || "").toLowerCase().replace("_", "-").startsWith("id")) || null;
  };
  const speak = (change) => new Promise((resolve) => {
    let finished = false;
    const done = () => { if (!finished) { finished = true; resolve(); } };
    setTimeout(done, 20000); // never let one call hold up the next
    const voice = indonesianVoice();
    if (voice) {
      const utterance = new SpeechSynthesisUtterance(change.say);
      utterance.voice = voice;
      utterance.lang = voice.lang;
      utterance.rate = 0.9;
      utterance.onend = done;
      utterance.onerror = done;
      speechSynthesis.speak(utterance);
      return;
    }
    const sound = new Audio(speechUrl + encodeURIComponent(`${change.ticket}-${change.counter}.wav`));
    sound.onended = done;
    sound.onerror = done;
    sound.play().catch((error) => {
      if (error && error.name === "NotAllowedError") needSound(); // not a lost connection: the browser wants a tap
      done();
    });
  });

  const pending = [];
  let speaking = false;
  const announce = (change) => {
    if (pending.some((queued) => queued.ticket === change.ticket && queued.counter === change.counter)) return;
    pending.push(change);
    while (pending.length > MAX_PENDING) pending.shift();
    if (!speaking) speakNext();
  };
  const speakNext = async () => {
    const change = pending.shift();
    if (!change) { speaking = false; return; }
    speaking = true;
    try {
      await chime();
      await speak(change);
    } finally {
      setTimeout(speakNext, 500);
    }
  };

  // --- the stream ---------------------------------------------------------------------------------------
  let source = null;
  let watchdog = null;
  let reopen = null;
  const setState = (state) => {
    body.dataset.state = state;
    status.textContent = status.dataset[state];
  };
  const alive = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => { setState("lost"); connect(); }, WATCHDOG_MS);
  };
  const show = (message) => {
    const fresh = new Set();
    for (const change of message.changes) {
      if ((change.kind === "call" || change.kind === "recall") && change.say && change.counter) {
        fresh.add(change.ticket);
        announce(change);
      }
    }
    render(message.board, fresh);
  };
  const connect = () => {
    clearTimeout(reopen);
    if (source) source.close();
    source = new EventSource(streamUrl);
    source.onmessage = (event) => {
      alive();
      setState("live");
      show(JSON.parse(event.data));
    };
    source.addEventListener("alive", alive);
    source.onerror = () => {
      setState("lost");
      // A network error: the browser tries again by itself. An answer that was not a stream (a proxy's 502,
      // a 503 while the database is away) closes it for good: open a new one a little later.
      if (source.readyState === EventSource.CLOSED) reopen = setTimeout(connect, REOPEN_MS);
    };
    alive();
  };
  connect();
})();
