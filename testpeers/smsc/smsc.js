#!/usr/bin/env node
// An SMPP 3.4 SMSC for Loket's tests, on the npm `smpp` package's server. Never for production.
//
//   node smsc.js --config config.json
//
// config.json: {"host": "127.0.0.1", "port": 0, "control_port": 0, "records": "/tmp/x.jsonl",
//               "accounts": {"loket": "rahasia"}, "receipt_delay_ms": 50,
//               "valid_destination": "^62[0-9]{8,13}$"}
//
// Once both ports listen it prints one JSON line on stdout:
//   {"event": "listening", "smpp_port": 2775, "control_port": 40123}
// and it exits when stdin closes (the Python side died) or on SIGTERM.
//
// Every event is appended as a JSON line to `records` (it survives a restart of this process):
//   bind (ok or refused), submit_sm (text decoded by this package: data_coding 0 with the GSM 03.38
//   table, 8 as UTF-16BE; the concatenation header; the message id given; the status answered),
//   enquire_link received, enquire_link_resp received, receipt sent, deliver_sm_resp received.
//
// Behaviour: binds (transceiver, transmitter, receiver) succeed for the accounts configured;
// submit_sm is answered with a new message id and, when registered_delivery asks for it, a delivery
// receipt follows after receipt_delay_ms as a deliver_sm (esm_class 0x04, the standard receipt text
// "id:… sub:001 dlvrd:001 submit date:… done date:… stat:DELIVRD err:000 text:…" and the
// receipted_message_id / message_state TLVs). A receipt waits for a bound receiver of the same
// system_id when the submitting session has gone (store and forward), and is sent again when
// the ESME answers deliver_sm_resp with an error. Destinations that do not match
// valid_destination are refused with ESME_RINVDSTADR.
//
// Control (HTTP on 127.0.0.1:control_port, JSON bodies):
//   POST /faults  {"refuse_binds": true|false, "throttle": N, "queue_full": N, "drop_after_submit": N,
//                  "no_answer": N, "after": M}
//                 (counts are the next N submit_sm, once M more have passed untouched;
//                 drop_after_submit reads and records the submit_sm, then closes the connection
//                 without answering; no_answer records it and never answers, the link stays up)
//   POST /config  {"receipt_delay_ms": 50, "receipt_tlvs": true, "receipt_id_format": "same"|"decimal",
//                  "receipt_stat": {"6281299990000": "UNDELIV"}, "receipts": true}
//   POST /enquire_link   send enquire_link to every bound session   -> {"sent": n}
//   POST /disconnect     destroy every session (as a network drop)   -> {"closed": n}
//   POST /reset          forget faults, configuration changes and receipts not sent yet
//   GET  /state          faults, configuration, sessions and pending receipts

'use strict';

const fs = require('fs');
const http = require('http');
const smpp = require('smpp');

function argument(name) {
	const at = process.argv.indexOf(name);
	return at >= 0 ? process.argv[at + 1] : undefined;
}

const configPath = argument('--config');
if (!configPath) {
	process.stderr.write('usage: node smsc.js --config config.json\n');
	process.exit(2);
}
const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
const HOST = config.host || '127.0.0.1';
const ACCOUNTS = config.accounts || {};
const VALID_DESTINATION = new RegExp(config.valid_destination || '^62[0-9]{8,13}$');
const RECORDS = config.records;

const DEFAULTS = {
	receipt_delay_ms: config.receipt_delay_ms === undefined ? 50 : config.receipt_delay_ms,
	receipt_tlvs: true,
	receipt_id_format: 'same',
	receipt_stat: {},
	receipts: true,
};
const NO_FAULTS = {refuse_binds: false, throttle: 0, queue_full: 0, drop_after_submit: 0, no_answer: 0, after: 0};
let settings = JSON.parse(JSON.stringify(DEFAULTS));
let faults = Object.assign({}, NO_FAULTS);

// Message ids: upper-case hex, as many SMSCs give them (receipts may quote them in decimal).
let nextId = 0x5a3f000000 + Math.floor(Math.random() * 0x10000) * 0x100;
const pendingReceipts = []; // {system_id, session, pdu options, attempts, generation}
let generation = 0; // /reset forgets receipts not delivered yet
const MESSAGE_STATE = {DELIVRD: 2, EXPIRED: 3, DELETED: 4, UNDELIV: 5, ACCEPTD: 6, UNKNOWN: 7, REJECTD: 8, ENROUTE: 1};

function record(entry) {
	entry.at = new Date().toISOString();
	if (RECORDS) {
		fs.appendFileSync(RECORDS, JSON.stringify(entry) + '\n');
	}
}

function smppTime(date) {
	const pad = (n) => String(n).padStart(2, '0');
	return pad(date.getUTCFullYear() % 100) + pad(date.getUTCMonth() + 1) + pad(date.getUTCDate()) +
		pad(date.getUTCHours()) + pad(date.getUTCMinutes());
}

function concatenation(udhList) {
	for (const ie of udhList || []) {
		if (ie[0] === 0x00 && ie[1] === 3) {
			return {ref: ie[2], total: ie[3], seq: ie[4]};
		}
		if (ie[0] === 0x08 && ie[1] === 4) {
			return {ref: ie.readUInt16BE(2), total: ie[4], seq: ie[5]};
		}
	}
	return null;
}

function boundSessions(systemId) {
	return server.sessions.filter((s) => s.bound && s.canReceive && (systemId === undefined || s.system_id === systemId));
}

function queue(item) {
	if (item.generation === generation) {
		pendingReceipts.push(item);
		flushReceipts();
	}
}

function flushReceipts() {
	for (let i = 0; i < pendingReceipts.length;) {
		const item = pendingReceipts[i];
		let target = item.session && item.session.bound && !item.session.socket.destroyed ? item.session : null;
		if (!target) {
			target = boundSessions(item.system_id)[0] || null;
		}
		if (!target) {
			i++;
			continue;
		}
		pendingReceipts.splice(i, 1);
		sendReceipt(target, item);
	}
}

function sendReceipt(session, item) {
	item.attempts += 1;
	const options = Object.assign({}, item.options);
	session.deliver_sm(options, (resp) => {
		record({type: 'deliver_sm_resp', message_id: item.message_id, status: resp.command_status});
		if (resp.command_status !== 0 && item.attempts < 5) {
			item.session = null;
			setTimeout(() => { queue(item); }, 100);
		}
	});
	record({type: 'receipt', message_id: item.message_id, stat: item.stat, system_id: item.system_id,
		attempt: item.attempts, text: item.options.short_message.toString('ascii')});
}

function queueReceipt(session, submit, messageId, text) {
	const stat = settings.receipt_stat[submit.destination_addr] || 'DELIVRD';
	const now = new Date();
	const quoted = settings.receipt_id_format === 'decimal' ? BigInt('0x' + messageId).toString(10) : messageId;
	const receiptText = 'id:' + quoted + ' sub:001 dlvrd:' + (stat === 'DELIVRD' ? '001' : '000') +
		' submit date:' + smppTime(now) + ' done date:' + smppTime(now) + ' stat:' + stat +
		' err:' + (stat === 'DELIVRD' ? '000' : '001') + ' text:' + text.slice(0, 20).replace(/[^\x20-\x7e]/g, '?');
	const options = {
		source_addr_ton: submit.dest_addr_ton,
		source_addr_npi: submit.dest_addr_npi,
		source_addr: submit.destination_addr,
		dest_addr_ton: submit.source_addr_ton,
		dest_addr_npi: submit.source_addr_npi,
		destination_addr: submit.source_addr,
		esm_class: smpp.ESM_CLASS.MC_DELIVERY_RECEIPT,
		data_coding: 0,
		short_message: Buffer.from(receiptText, 'ascii'),
	};
	if (settings.receipt_tlvs) {
		options.receipted_message_id = messageId;
		options.message_state = MESSAGE_STATE[stat] || 7;
	}
	const item = {system_id: session.system_id, session, options, message_id: messageId, stat, attempts: 0, generation};
	setTimeout(() => { queue(item); }, settings.receipt_delay_ms);
}

function onBind(session, pdu, kind) {
	const expected = ACCOUNTS[pdu.system_id];
	let status = 0;
	if (faults.refuse_binds) {
		status = smpp.ESME_RBINDFAIL;
	} else if (expected === undefined) {
		status = smpp.ESME_RINVSYSID;
	} else if (expected !== pdu.password) {
		status = smpp.ESME_RINVPASWD;
	} else if (session.bound) {
		status = smpp.ESME_RALYBND;
	}
	record({type: 'bind', kind, system_id: pdu.system_id, system_type: pdu.system_type,
		interface_version: pdu.interface_version, status});
	if (status) {
		session.send(pdu.response({command_status: status}));
		setTimeout(() => session.close(), 50);
		return;
	}
	session.bound = true;
	session.system_id = pdu.system_id;
	session.canReceive = kind !== 'bind_transmitter';
	session.canSend = kind !== 'bind_receiver';
	session.send(pdu.response({system_id: 'LOKETSMSC'}));
	flushReceipts();
}

function onSubmit(session, pdu) {
	const short = pdu.short_message || {};
	const text = typeof short === 'string' ? short : (short.message || '');
	const udh = (short.udh || []).map((ie) => ie.toString('hex'));
	const entry = {
		type: 'submit_sm', system_id: session.system_id, sequence_number: pdu.sequence_number,
		service_type: pdu.service_type, source_addr_ton: pdu.source_addr_ton, source_addr_npi: pdu.source_addr_npi,
		source_addr: pdu.source_addr, dest_addr_ton: pdu.dest_addr_ton, dest_addr_npi: pdu.dest_addr_npi,
		destination_addr: pdu.destination_addr, esm_class: pdu.esm_class, registered_delivery: pdu.registered_delivery,
		data_coding: pdu.data_coding, text, udh, concat: concatenation(short.udh),
	};
	if (!session.bound || !session.canSend) {
		entry.status = smpp.ESME_RINVBNDSTS;
		record(entry);
		session.send(pdu.response({command_status: smpp.ESME_RINVBNDSTS}));
		return;
	}
	const spared = faults.after > 0;
	if (spared) {
		faults.after -= 1;
	}
	if (!spared && faults.drop_after_submit > 0) {
		faults.drop_after_submit -= 1;
		entry.status = 'dropped';
		record(entry);
		session.socket.destroy();
		return;
	}
	if (!spared && faults.no_answer > 0) {
		faults.no_answer -= 1;
		entry.status = 'unanswered';
		record(entry);
		return;
	}
	let status = 0;
	if (!spared && faults.throttle > 0) {
		faults.throttle -= 1;
		status = smpp.ESME_RTHROTTLED;
	} else if (!spared && faults.queue_full > 0) {
		faults.queue_full -= 1;
		status = smpp.ESME_RMSGQFUL;
	} else if (!VALID_DESTINATION.test(pdu.destination_addr || '')) {
		status = smpp.ESME_RINVDSTADR;
	}
	entry.status = status;
	if (status) {
		record(entry);
		session.send(pdu.response({command_status: status}));
		return;
	}
	const messageId = (nextId++).toString(16).toUpperCase();
	entry.message_id = messageId;
	record(entry);
	session.send(pdu.response({message_id: messageId}));
	if ((pdu.registered_delivery & 0x03) && settings.receipts) {
		queueReceipt(session, pdu, messageId, text);
	}
}

const server = smpp.createServer((session) => {
	session.bound = false;
	session.on('error', () => {});
	for (const kind of ['bind_transceiver', 'bind_transmitter', 'bind_receiver']) {
		session.on(kind, (pdu) => onBind(session, pdu, kind));
	}
	session.on('submit_sm', (pdu) => onSubmit(session, pdu));
	session.on('enquire_link', (pdu) => {
		record({type: 'enquire_link', system_id: session.system_id || null});
		session.send(pdu.response());
	});
	session.on('enquire_link_resp', () => record({type: 'enquire_link_resp', system_id: session.system_id || null}));
	session.on('unbind', (pdu) => {
		record({type: 'unbind', system_id: session.system_id || null});
		session.bound = false;
		session.send(pdu.response());
		session.close();
	});
	session.on('close', () => { session.bound = false; });
});
server.on('error', (err) => {
	process.stderr.write('smsc: ' + err.message + '\n');
	process.exit(1);
});

function readJson(request, callback) {
	const chunks = [];
	request.on('data', (chunk) => chunks.push(chunk));
	request.on('end', () => {
		const raw = Buffer.concat(chunks).toString('utf8');
		try {
			callback(raw ? JSON.parse(raw) : {});
		} catch (err) {
			callback(null);
		}
	});
}

const control = http.createServer((request, response) => {
	const answer = (status, body) => {
		response.writeHead(status, {'Content-Type': 'application/json'});
		response.end(JSON.stringify(body));
	};
	readJson(request, (body) => {
		if (body === null) {
			return answer(400, {error: 'invalid JSON'});
		}
		const route = request.method + ' ' + request.url;
		if (route === 'POST /faults') {
			for (const key of Object.keys(NO_FAULTS)) {
				if (key in body) {
					faults[key] = body[key];
				}
			}
			return answer(200, {faults});
		}
		if (route === 'POST /config') {
			for (const key of Object.keys(DEFAULTS)) {
				if (key in body) {
					settings[key] = body[key];
				}
			}
			return answer(200, {config: settings});
		}
		if (route === 'POST /enquire_link') {
			const sessions = boundSessions();
			for (const s of sessions) {
				s.enquire_link();
			}
			return answer(200, {sent: sessions.length});
		}
		if (route === 'POST /disconnect') {
			const sessions = server.sessions.slice();
			for (const s of sessions) {
				s.destroy();
			}
			return answer(200, {closed: sessions.length});
		}
		if (route === 'POST /reset') {
			faults = Object.assign({}, NO_FAULTS);
			settings = JSON.parse(JSON.stringify(DEFAULTS));
			generation += 1;
			pendingReceipts.length = 0;
			return answer(200, {});
		}
		if (route === 'GET /state') {
			return answer(200, {
				faults, config: settings, pending_receipts: pendingReceipts.length,
				sessions: server.sessions.map((s) => ({bound: !!s.bound, system_id: s.system_id || null})),
			});
		}
		return answer(404, {error: 'not found'});
	});
});

let listening = 0;
function ready() {
	listening += 1;
	if (listening === 2) {
		process.stdout.write(JSON.stringify({
			event: 'listening', smpp_port: server.address().port, control_port: control.address().port,
		}) + '\n');
	}
}
server.listen(config.port || 0, HOST, ready);
control.listen(config.control_port || 0, HOST, ready);

function shutdown() {
	for (const s of server.sessions.slice()) {
		s.destroy();
	}
	server.close();
	control.close();
	process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.stdin.on('end', shutdown);
process.stdin.on('error', shutdown);
process.stdin.resume();
