/* tandem — the transaction layer (RFC 3261 §17): INVITE/non-INVITE client
 * and server transactions on the libev loop, matched in O(1) through one
 * hash table keyed by branch (or by the RFC 2543 identifiers).
 *
 * Lifetime: a transaction is reference counted. The stack holds one
 * reference while the transaction sits in the table (from creation until it
 * reaches Terminated); every TU callback runs under an extra temporary
 * reference so the TU may unref, detach or answer from inside it. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ev.h>

#include <tandem/tandem.h>
#include <tandem/transaction.h>
#include <tandem/sip_uri.h>

#include "net/transport_internal.h"

#define MAGIC_COOKIE "z9hG4bK"   /* RFC 3261 §8.1.1.7 */
#define TIMER_D_MIN 32.0         /* RFC 3261 §17.1.1.2: at least 32 s for UDP */

enum tsx_kind { TSX_IST, TSX_NIST, TSX_ICT, TSX_NICT };

enum tsx_state {
	ST_TRYING,       /* NIST, NICT */
	ST_CALLING,      /* ICT */
	ST_PROCEEDING,
	ST_COMPLETED,
	ST_CONFIRMED,    /* IST after the ACK of a non-2xx */
	ST_ACCEPTED,     /* IST after a 2xx (RFC 6026 §7.1) */
	ST_TERMINATED
};

/* One entry in the stack's hash table; embedded in the transaction. */
struct tsx_node {
	struct tsx_node *next;
	struct sip_tsx *t;
	char *key;
	size_t klen;
	uint32_t hash;
	bool linked;
};

struct tsx_table {
	struct tsx_node **b;
	size_t nb, count;
};

struct sip_stack {
	struct ev_loop *loop;
	struct sip_transport *tp;
	struct sip_timer_cfg tm;
	struct sip_tu_ops tu;
	void *tu_arg;
	struct tsx_table tab;
	struct sip_stack_stats stats;
	unsigned busy;        /* nesting depth of receive/timer callbacks */
	bool dying;           /* sip_stack_free called while busy */
};

struct sip_tsx {
	int refs;
	struct sip_stack *s;  /* NULL once terminated */
	enum tsx_kind kind;
	enum tsx_state state;
	bool reliable;
	struct sip_msg *req;  /* server: the request; client: our request parsed */
	/* node[0]: the matching key; node[1]: IST 2xx ACK key (§13.3.1.4) */
	struct tsx_node node[2];
	ev_timer t_retx;      /* A, E, G, 2xx retransmission */
	ev_timer t_timeout;   /* B, F, H, L, CANCEL guard, deferred 503 */
	ev_timer t_wait;      /* D, I, J, K */
	double retx_iv;

	/* server side */
	struct sip_dest rdst;        /* where responses go (§18.2.2) */
	char local_tag[24];
	char *req_to_tag;            /* the request's To tag, NULL when none */
	char *resp_to_tag;           /* To tag of the final response sent */
	char *resp;                  /* last response sent */
	size_t resp_len;
	int resp_status;
	bool acked;                  /* the ACK for our 2xx arrived */

	/* client side */
	struct sip_dest dst;
	char *buf;                   /* the request as sent */
	size_t len;
	char *ack;                   /* ACK for a non-2xx final (§17.1.1.3) */
	size_t ack_len;
	sip_ct_fn fn;
	void *arg;
	bool send_failed;            /* report 503 from the loop, not inline */
	bool cancel_pending, cancelled;
};

/* ------------------------------------------------------------------ */
/* keys */

struct tkey {
	char *p;
	size_t len, cap;
	bool oom;
	char inl[256];
};

static void key_init(struct tkey *k, char kind)
{
	k->p = k->inl;
	k->cap = sizeof(k->inl);
	k->len = 0;
	k->oom = false;
	k->p[k->len++] = kind;
}

static void key_put(struct tkey *k, const char *p, size_t n, bool lower)
{
	if (k->oom)
		return;
	if (k->len + n + 1 > k->cap) {
		size_t cap = (k->len + n + 1) * 2;
		char *np = malloc(cap);
		if (!np) {
			k->oom = true;
			return;
		}
		memcpy(np, k->p, k->len);
		if (k->p != k->inl)
			free(k->p);
		k->p = np;
		k->cap = cap;
	}
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (lower && c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		k->p[k->len++] = c;
	}
	k->p[k->len++] = '\0';   /* field separator */
}

static void key_str(struct tkey *k, struct sip_str s)
{
	key_put(k, s.p ? s.p : "", s.len, false);
}

static void key_num(struct tkey *k, unsigned long n)
{
	char b[24];
	int l = snprintf(b, sizeof(b), "%lu", n);
	key_put(k, b, (size_t)l, false);
}

static void key_done(struct tkey *k)
{
	if (k->p != k->inl)
		free(k->p);
	k->p = NULL;
}

static uint32_t key_hash(const char *p, size_t n)
{
	uint32_t h = 2166136261u;   /* FNV-1a */
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 16777619u;
	}
	return h;
}

static bool has_cookie(struct sip_str branch)
{
	return branch.len > 7 && memcmp(branch.p, MAGIC_COOKIE, 7) == 0;
}

/* The method a request matches against: an ACK belongs to the INVITE
 * transaction (RFC 3261 §17.2.3). */
static struct sip_str match_method(const struct sip_msg *m)
{
	if (m->method == SIP_ACK || m->method == SIP_INVITE)
		return SIP_STR_LIT("INVITE");
	return m->method_str;
}

/* RFC 3261 §17.2.3: branch + sent-by + method. */
static void key_server(struct tkey *k, const struct sip_msg *m, struct sip_str method)
{
	key_init(k, 'S');
	key_str(k, m->via.branch);
	key_put(k, m->via.host.p ? m->via.host.p : "", m->via.host.len, true);
	key_num(k, m->via.port);
	key_str(k, method);
}

/* RFC 3261 §17.2.3, RFC 2543 requests: the cheap identifiers go in the key,
 * the rest (Request-URI, To tag, top Via) are checked on the candidates. */
static void key_legacy(struct tkey *k, const struct sip_msg *m, struct sip_str method)
{
	key_init(k, 'L');
	key_str(k, m->call_id);
	key_num(k, m->cseq);
	key_str(k, m->from_tag);
	key_str(k, method);
}

/* §13.3.1.4: the ACK for our 2xx: Call-ID + CSeq number + our To tag. */
static void key_ack2xx(struct tkey *k, struct sip_str call_id, uint32_t cseq,
                       struct sip_str to_tag)
{
	key_init(k, 'A');
	key_str(k, call_id);
	key_num(k, cseq);
	key_str(k, to_tag);
}

/* RFC 3261 §17.1.3: top Via branch + CSeq method. */
static void key_client(struct tkey *k, struct sip_str branch, struct sip_str method)
{
	key_init(k, 'C');
	key_str(k, branch);
	key_str(k, method);
}

/* ------------------------------------------------------------------ */
/* hash table */

static int tab_grow(struct tsx_table *tb)
{
	size_t nb = tb->nb ? tb->nb * 2 : 64;
	struct tsx_node **b = calloc(nb, sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < tb->nb; i++) {
		struct tsx_node *n = tb->b[i], *next;
		for (; n; n = next) {
			next = n->next;
			n->next = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	}
	free(tb->b);
	tb->b = b;
	tb->nb = nb;
	return 0;
}

static int tab_insert(struct tsx_table *tb, struct tsx_node *n, struct sip_tsx *t,
                      const struct tkey *k)
{
	if (k->oom)
		return -ENOMEM;
	if (tb->count + 1 > tb->nb && tab_grow(tb) < 0 && !tb->nb)
		return -ENOMEM;
	n->key = malloc(k->len);
	if (!n->key)
		return -ENOMEM;
	memcpy(n->key, k->p, k->len);
	n->klen = k->len;
	n->hash = key_hash(k->p, k->len);
	n->t = t;
	n->next = tb->b[n->hash & (tb->nb - 1)];
	tb->b[n->hash & (tb->nb - 1)] = n;
	n->linked = true;
	tb->count++;
	return 0;
}

static void tab_remove(struct tsx_table *tb, struct tsx_node *n)
{
	if (!n->linked)
		return;
	struct tsx_node **pp = &tb->b[n->hash & (tb->nb - 1)];
	for (; *pp; pp = &(*pp)->next) {
		if (*pp == n) {
			*pp = n->next;
			tb->count--;
			break;
		}
	}
	n->linked = false;
	n->next = NULL;
	free(n->key);
	n->key = NULL;
}

/* Iterate the entries with key k: pass prev = NULL first. */
static struct tsx_node *tab_find(const struct tsx_table *tb, const struct tkey *k,
                                 struct tsx_node *prev)
{
	if (k->oom || !tb->nb)
		return NULL;
	uint32_t h = key_hash(k->p, k->len);
	struct tsx_node *n = prev ? prev->next : tb->b[h & (tb->nb - 1)];
	for (; n; n = n->next)
		if (n->hash == h && n->klen == k->len && !memcmp(n->key, k->p, k->len))
			return n;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* lifetime */

static void msg_destroy(struct sip_msg *m)
{
	if (!m)
		return;
	sip_msg_free(m);
	free(m);
}

void sip_tsx_ref(struct sip_tsx *t)
{
	if (t)
		t->refs++;
}

void sip_tsx_unref(struct sip_tsx *t)
{
	if (!t || --t->refs > 0)
		return;
	msg_destroy(t->req);
	free(t->req_to_tag);
	free(t->resp_to_tag);
	free(t->resp);
	free(t->buf);
	free(t->ack);
	free(t);
}

static double t1(const struct sip_stack *s) { return s->tm.t1; }

/* Timers count from the moment the message leaves, which may be well after
 * the loop's cached time when one iteration did a lot of work (a burst, or
 * valgrind): without the lag a retransmission could go out before T1. */
static void timer_start(struct sip_tsx *t, ev_timer *w, double after)
{
	double lag = ev_time() - ev_now(t->s->loop);
	ev_timer_stop(t->s->loop, w);
	ev_timer_set(w, (after > 0 ? after : 0.) + (lag > 0 ? lag : 0.), 0.);
	ev_timer_start(t->s->loop, w);
}

static void timers_stop(struct sip_tsx *t)
{
	ev_timer_stop(t->s->loop, &t->t_retx);
	ev_timer_stop(t->s->loop, &t->t_timeout);
	ev_timer_stop(t->s->loop, &t->t_wait);
}

static bool is_server(const struct sip_tsx *t)
{
	return t->kind == TSX_IST || t->kind == TSX_NIST;
}

/* RFC 3261 §17: "once in Terminated, destroyed immediately": leave the
 * table and drop the stack's reference. */
static void tsx_terminate(struct sip_tsx *t)
{
	struct sip_stack *s = t->s;
	if (t->state == ST_TERMINATED || !s)
		return;
	t->state = ST_TERMINATED;
	timers_stop(t);
	tab_remove(&s->tab, &t->node[0]);
	tab_remove(&s->tab, &t->node[1]);
	if (is_server(t))
		s->stats.server_tsx--;
	else
		s->stats.client_tsx--;
	t->s = NULL;
	sip_tsx_unref(t);
}

static void stack_destroy(struct sip_stack *s)
{
	sip_transport_set_error_cb(s->tp, NULL, NULL);   /* it may outlive us */
	for (size_t i = 0; i < s->tab.nb; i++)
		while (s->tab.b[i])
			tsx_terminate(s->tab.b[i]->t);
	free(s->tab.b);
	free(s);
}

static void stack_enter(struct sip_stack *s)
{
	s->busy++;
}

static void stack_leave(struct sip_stack *s)
{
	if (--s->busy == 0 && s->dying)
		stack_destroy(s);
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents);

static struct sip_tsx *tsx_alloc(struct sip_stack *s, enum tsx_kind kind)
{
	struct sip_tsx *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->refs = 1;   /* the stack's */
	t->s = s;
	t->kind = kind;
	ev_timer_init(&t->t_retx, timer_cb, 0., 0.);
	ev_timer_init(&t->t_timeout, timer_cb, 0., 0.);
	ev_timer_init(&t->t_wait, timer_cb, 0., 0.);
	t->t_retx.data = t->t_timeout.data = t->t_wait.data = t;
	return t;
}

/* ------------------------------------------------------------------ */
/* server transactions */

static void server_error(struct sip_tsx *t, int err)
{
	struct sip_stack *s = t->s;
	if (s->tu.on_server_error) {
		sip_tsx_ref(t);
		s->tu.on_server_error(s->tu_arg, t, err);
		sip_tsx_unref(t);
	}
	tsx_terminate(t);
}

/* Send (or re-send) the last response on the request's path, reusing the
 * connection it came in on (§18.2.2). */
static int send_last_response(struct sip_tsx *t)
{
	int rc = sip_transport_send(t->s->tp, &t->rdst, t->resp, t->resp_len);
	if (rc < 0) {
		tlog_warn("tsx %.*s: sending %d failed: %s", (int)t->req->call_id.len,
		          t->req->call_id.p, t->resp_status, strerror(-rc));
		server_error(t, rc);
	}
	return rc;
}

static void remember_to_tag(struct sip_tsx *t, const char *buf, size_t len)
{
	free(t->resp_to_tag);
	t->resp_to_tag = NULL;
	struct sip_msg m;
	struct sip_error err;
	memset(&m, 0, sizeof(m));
	int rc = buf ? sip_msg_parse(&m, buf, len, 0, &err) : -EINVAL;
	if (rc == 0 && !sip_str_empty(m.to_tag))
		t->resp_to_tag = sip_str_dup(m.to_tag);
	if (buf)
		sip_msg_free(&m);
	if (!t->resp_to_tag)
		t->resp_to_tag = strdup(sip_tsx_to_tag(t));
}

/* The state machines of §17.2.1 (IST, with RFC 6026's Accepted) and
 * §17.2.2 (NIST) on a response from the TU. Takes buf. */
static int server_send(struct sip_tsx *t, int status, char *buf, size_t len,
                       bool parse_tag)
{
	struct sip_stack *s = t->s;
	if (!s || status < 100 || status > 699) {
		free(buf);
		return s ? -EINVAL : -ESHUTDOWN;
	}
	bool final = status >= 200;
	switch (t->state) {
	case ST_TRYING:
	case ST_PROCEEDING:
		break;
	case ST_ACCEPTED:
		/* §13.3.1.4 / RFC 6026: the TU may pass 2xx retransmissions */
		if (status >= 200 && status < 300)
			break;
		/* fall through */
	default:
		free(buf);
		return -EALREADY;
	}
	free(t->resp);
	t->resp = buf;
	t->resp_len = len;
	t->resp_status = status;
	if (final) {
		if (parse_tag)
			remember_to_tag(t, buf, len);
		else {
			free(t->resp_to_tag);
			t->resp_to_tag = strdup(sip_tsx_to_tag(t));
		}
	}

	sip_tsx_ref(t);
	int rc = send_last_response(t);
	if (rc < 0 || t->state == ST_TERMINATED)
		goto out;

	if (!final) {
		t->state = ST_PROCEEDING;
	} else if (t->kind == TSX_NIST) {
		/* §17.2.2: Timer J = 64*T1 on UDP, zero on reliable transports */
		t->state = ST_COMPLETED;
		if (t->reliable)
			tsx_terminate(t);
		else
			timer_start(t, &t->t_wait, 64 * t1(s));
	} else if (status >= 300) {
		/* §17.2.1: Timer G (UDP only) and Timer H */
		t->state = ST_COMPLETED;
		if (!t->reliable) {
			t->retx_iv = t1(s);
			timer_start(t, &t->t_retx, t->retx_iv);
		}
		timer_start(t, &t->t_timeout, 64 * t1(s));
	} else if (t->state != ST_ACCEPTED) {
		/* A 2xx. §17.2.1 hands 2xx retransmission to the TU (§13.3.1.4);
		 * to keep the B2BUA simple the UAS core's job is done here on the
		 * TU's behalf: the transaction enters RFC 6026's Accepted state,
		 * re-sends the 2xx from T1 doubling to T2 (on every transport: the
		 * ACK is end to end) until sip_stack_receive sees its ACK (Call-ID
		 * + CSeq number + our To tag), and ends after 64*T1 (Timer L). */
		t->state = ST_ACCEPTED;
		struct tkey k;
		key_ack2xx(&k, t->req->call_id, t->req->cseq,
		           sip_str_c(t->resp_to_tag ? t->resp_to_tag : ""));
		if (tab_insert(&s->tab, &t->node[1], t, &k) < 0)
			tlog_warn("tsx: no memory to track the ACK of a 2xx");
		key_done(&k);
		t->retx_iv = t1(s);
		timer_start(t, &t->t_retx, t->retx_iv);
		timer_start(t, &t->t_timeout, 64 * t1(s));
	}
out:
	sip_tsx_unref(t);
	return rc;
}

int sip_tsx_respond(struct sip_tsx *st, int status, const char *reason,
                    const struct sip_resp_extra *extra)
{
	if (!st || !is_server(st))
		return -EINVAL;
	if (!st->s)
		return -ESHUTDOWN;
	if (status < 100 || status > 699)
		return -EINVAL;
	struct sip_wbuf w;
	sip_wbuf_init(&w, 512);
	int rc = sip_build_response(&w, st->req, status, reason, sip_tsx_to_tag(st), extra);
	if (rc < 0) {
		sip_wbuf_free(&w);
		return rc;
	}
	char *buf;
	long len = sip_wbuf_take(&w, &buf);
	if (len < 0) {
		sip_wbuf_free(&w);
		return (int)len;
	}
	return server_send(st, status, buf, (size_t)len, false);
}

int sip_tsx_respond_buf(struct sip_tsx *st, int status, char *buf, size_t len)
{
	if (!st || !is_server(st) || !buf) {
		free(buf);
		return -EINVAL;
	}
	return server_send(st, status, buf, len, true);
}

const struct sip_msg *sip_tsx_request(const struct sip_tsx *t)
{
	return t ? t->req : NULL;
}

const char *sip_tsx_to_tag(const struct sip_tsx *st)
{
	if (!st)
		return NULL;
	return st->req_to_tag ? st->req_to_tag : st->local_tag;
}

bool sip_tsx_answered(const struct sip_tsx *st)
{
	return st && st->resp_status >= 200;
}

/* RFC 3261 §17.2.3 for RFC 2543 requests: the parts not in the key. For an
 * ACK the To tag is that of the response we sent. */
static bool legacy_match(const struct sip_tsx *t, const struct sip_msg *m, bool cancel)
{
	const struct sip_msg *r = t->req;
	if (!sip_str_eq(r->ruri, m->ruri) || !sip_str_eq(r->via.value, m->via.value))
		return false;
	struct sip_str tag = m->to_tag;
	if (m->method == SIP_ACK && !cancel) {
		const char *rt = t->resp_to_tag ? t->resp_to_tag : "";
		return sip_str_eq(tag, sip_str_c(rt));
	}
	return sip_str_eq(tag, r->to_tag);
}

static struct sip_tsx *server_match(struct sip_stack *s, const struct sip_msg *m,
                                    struct sip_str method, bool cancel)
{
	struct tkey k;
	struct sip_tsx *found = NULL;
	if (has_cookie(m->via.branch)) {
		key_server(&k, m, method);
		struct tsx_node *n = tab_find(&s->tab, &k, NULL);
		if (n)
			found = n->t;
	} else {
		key_legacy(&k, m, method);
		for (struct tsx_node *n = tab_find(&s->tab, &k, NULL); n;
		     n = tab_find(&s->tab, &k, n)) {
			if (legacy_match(n->t, m, cancel)) {
				found = n->t;
				break;
			}
		}
	}
	key_done(&k);
	return found;
}

/* A retransmitted request: re-send the most recent response (§17.2.1,
 * §17.2.2); in NIST Trying there is none yet and it is simply dropped. */
static void absorb_request(struct sip_tsx *t)
{
	t->s->stats.retrans_absorbed++;
	if (t->resp && t->state != ST_CONFIRMED) {
		t->s->stats.retrans_resp_sent++;
		send_last_response(t);
	}
}

/* Creates and registers a server transaction; takes msg (freed on error). */
static struct sip_tsx *server_new(struct sip_stack *s, struct sip_msg *msg)
{
	struct sip_dest rdst;
	if (sip_transport_response_dest(s->tp, msg, &rdst) < 0) {
		tlog_debug("tsx: no route for responses to %.*s, dropped",
		           (int)msg->call_id.len, msg->call_id.p);
		msg_destroy(msg);
		return NULL;
	}
	struct sip_tsx *t = tsx_alloc(s, msg->method == SIP_INVITE ? TSX_IST : TSX_NIST);
	if (!t) {
		msg_destroy(msg);
		return NULL;
	}
	t->req = msg;
	t->rdst = rdst;
	t->reliable = msg->rx.proto != SIP_PROTO_UDP;
	t->state = t->kind == TSX_IST ? ST_PROCEEDING : ST_TRYING;
	sip_random_token(t->local_tag, sizeof(t->local_tag));
	if (!sip_str_empty(msg->to_tag))
		t->req_to_tag = sip_str_dup(msg->to_tag);

	struct tkey k;
	struct sip_str method = match_method(msg);
	if (has_cookie(msg->via.branch))
		key_server(&k, msg, method);
	else
		key_legacy(&k, msg, method);
	int rc = tab_insert(&s->tab, &t->node[0], t, &k);
	key_done(&k);
	if (rc < 0 || (!sip_str_empty(msg->to_tag) && !t->req_to_tag)) {
		tab_remove(&s->tab, &t->node[0]);
		sip_tsx_unref(t);
		return NULL;
	}
	s->stats.server_tsx++;
	s->stats.server_tsx_total++;
	return t;
}

/* If the TU neither answered nor kept a reference, nobody ever will: answer
 * 500 now rather than leave the peer retransmitting into a dead transaction. */
static void orphan_check(struct sip_tsx *t)
{
	if (t->refs == 2 && t->s && t->resp_status < 200) {
		tlog_warn("tsx %.*s: request left unanswered by the TU, sending 500",
		          (int)t->req->call_id.len, t->req->call_id.p);
		sip_tsx_respond(t, 500, NULL, NULL);
	}
}

static void deliver_request(struct sip_stack *s, struct sip_tsx *t)
{
	sip_tsx_ref(t);
	if (s->tu.on_request)
		s->tu.on_request(s->tu_arg, t, t->req);
	orphan_check(t);
	sip_tsx_unref(t);
}

/* RFC 3261 §9.2: CANCEL runs in its own NIST; it is answered by the stack. */
static void rx_cancel(struct sip_stack *s, struct sip_msg *msg)
{
	struct sip_tsx *ist = server_match(s, msg, SIP_STR_LIT("INVITE"), true);
	if (ist && ist->kind != TSX_IST)
		ist = NULL;
	struct sip_tsx *ct = server_new(s, msg);
	if (!ct)
		return;
	sip_tsx_ref(ct);
	if (!ist) {
		sip_tsx_respond(ct, 481, NULL, NULL);
		goto out;
	}
	/* §9.2: the To tag of the 200 SHOULD equal the INVITE's response tag */
	if (!ct->req_to_tag)
		snprintf(ct->local_tag, sizeof(ct->local_tag), "%s", sip_tsx_to_tag(ist));
	sip_tsx_ref(ist);
	sip_tsx_respond(ct, 200, NULL, NULL);
	if (ist->state == ST_PROCEEDING && ist->resp_status < 200 && ist->s &&
	    s->tu.on_cancel)
		s->tu.on_cancel(s->tu_arg, ist, ct->req);
	sip_tsx_unref(ist);
out:
	sip_tsx_unref(ct);
}

static void rx_ack(struct sip_stack *s, struct sip_msg *msg)
{
	struct sip_tsx *t = server_match(s, msg, SIP_STR_LIT("INVITE"), false);
	if (t && t->kind == TSX_IST) {
		if (t->state == ST_COMPLETED) {
			/* §17.2.1: ACK for our non-2xx: Confirmed, Timer I */
			t->state = ST_CONFIRMED;
			ev_timer_stop(s->loop, &t->t_retx);
			ev_timer_stop(s->loop, &t->t_timeout);
			if (t->reliable)
				tsx_terminate(t);
			else
				timer_start(t, &t->t_wait, s->tm.t4);
			msg_destroy(msg);
			return;
		}
		if (t->state == ST_CONFIRMED) {
			s->stats.retrans_absorbed++;
			msg_destroy(msg);
			return;
		}
		if (t->state != ST_ACCEPTED) {
			msg_destroy(msg);   /* ACK before any final: meaningless */
			return;
		}
		/* an ACK for our 2xx reusing the INVITE's branch: the TU's */
	} else {
		struct tkey k;
		key_ack2xx(&k, msg->call_id, msg->cseq, msg->to_tag);
		struct tsx_node *n = tab_find(&s->tab, &k, NULL);
		key_done(&k);
		t = n ? n->t : NULL;
	}
	if (t && t->state == ST_ACCEPTED) {
		t->acked = true;
		ev_timer_stop(s->loop, &t->t_retx);   /* §13.3.1.4: 2xx acknowledged */
	}
	if (s->tu.on_request)
		s->tu.on_request(s->tu_arg, NULL, msg);
	msg_destroy(msg);
}

static void rx_request(struct sip_stack *s, struct sip_msg *msg)
{
	if (msg->method == SIP_ACK) {
		rx_ack(s, msg);
		return;
	}
	struct sip_tsx *t = server_match(s, msg, match_method(msg), false);
	if (t) {
		/* RFC 3261 §17.2.1, §17.2.2: absorb retransmitted requests */
		sip_tsx_ref(t);
		absorb_request(t);
		sip_tsx_unref(t);
		msg_destroy(msg);
		return;
	}
	if (msg->method == SIP_CANCEL) {
		rx_cancel(s, msg);
		return;
	}
	t = server_new(s, msg);
	if (!t)
		return;
	if (t->kind == TSX_IST) {
		/* §17.2.1: 100 Trying at once quenches INVITE retransmissions;
		 * no To tag on a 100 (sip_build_response leaves it out) */
		sip_tsx_ref(t);
		sip_tsx_respond(t, 100, NULL, NULL);
		bool dead = t->state == ST_TERMINATED;
		sip_tsx_unref(t);
		if (dead)
			return;
	}
	deliver_request(s, t);
}

/* ------------------------------------------------------------------ */
/* client transactions */

static void client_deliver(struct sip_tsx *t, const struct sip_msg *resp, int status)
{
	if (!t->fn)
		return;
	sip_ct_fn fn = t->fn;
	void *arg = t->arg;
	if (status >= 200)
		t->fn = NULL;   /* after a final the transaction calls back no more */
	sip_tsx_ref(t);
	fn(arg, t, resp, status);
	sip_tsx_unref(t);
}

/* The transaction ends without a response: Timer B/F (408) or a transport
 * error (503, §8.1.3.1). */
static void client_fail(struct sip_tsx *t, int status)
{
	sip_tsx_ref(t);
	tlog_info("tsx %.*s: %.*s %s", (int)t->req->call_id.len, t->req->call_id.p,
	          (int)t->req->method_str.len, t->req->method_str.p,
	          status == 408 ? "timed out (408)" : "failed in transport (503)");
	if (status == 408)
		t->s->stats.timeouts++;
	tsx_terminate(t);
	client_deliver(t, NULL, status);
	sip_tsx_unref(t);
}

static int client_xmit(struct sip_tsx *t, const char *buf, size_t len)
{
	int rc = sip_transport_send(t->s->tp, &t->dst, buf, len);
	if (rc < 0) {
		tlog_info("tsx %.*s: sending %.*s failed: %s", (int)t->req->call_id.len,
		          t->req->call_id.p, (int)t->req->method_str.len,
		          t->req->method_str.p, strerror(-rc));
		client_fail(t, 503);
	}
	return rc;
}

/* The ACK of a non-2xx and the CANCEL are built alike from our request
 * (§17.1.1.3, §9.1): its Request-URI, top Via (same branch), Route set,
 * From, Call-ID and CSeq number with the method given; To as given. The
 * length, or negative. */
static long build_hop_request(const struct sip_tsx *t, const char *method,
                              const struct sip_hdr *to, char **out)
{
	const struct sip_msg *r = t->req;
	const struct sip_hdr *from = sip_msg_hdr(r, SIP_HDR_FROM);
	if (!to || !from)
		return -EINVAL;
	struct sip_wbuf w;
	sip_wbuf_init(&w, 512);
	sip_wbuf_printf(&w, "%s ", method);
	sip_wbuf_str(&w, r->ruri);
	sip_wbuf_puts(&w, " SIP/2.0\r\n");
	sip_wbuf_hdr(&w, "Via", r->via.value);
	for (const struct sip_hdr *h = sip_msg_hdr(r, SIP_HDR_ROUTE); h;
	     h = sip_msg_hdr_next(r, h))
		sip_wbuf_hdr(&w, "Route", h->value);
	sip_wbuf_puts(&w, "Max-Forwards: 70\r\n");
	sip_wbuf_hdr(&w, "From", from->value);
	sip_wbuf_hdr(&w, "To", to->value);
	sip_wbuf_hdr(&w, "Call-ID", r->call_id);
	sip_wbuf_printf(&w, "CSeq: %u %s\r\n", (unsigned)r->cseq, method);
	sip_wbuf_puts(&w, "Content-Length: 0\r\n\r\n");
	long len = sip_wbuf_take(&w, out);
	if (len < 0)
		sip_wbuf_free(&w);
	return len;
}

/* RFC 3261 §17.1.1.3: the ACK for a non-2xx final, hop by hop, with the
 * To of the response (its tag). */
static int build_ack(struct sip_tsx *t, const struct sip_msg *resp)
{
	char *buf;
	long len = build_hop_request(t, "ACK", sip_msg_hdr(resp, SIP_HDR_TO), &buf);
	if (len < 0)
		return (int)len;
	free(t->ack);
	t->ack = buf;
	t->ack_len = (size_t)len;
	return 0;
}

/* RFC 3261 §9.1: CANCEL copies Request-URI, Call-ID, To, From, CSeq number,
 * the top Via (same branch) and Route of the INVITE. */
static int send_cancel(struct sip_tsx *t)
{
	char *buf;
	long len = build_hop_request(t, "CANCEL", sip_msg_hdr(t->req, SIP_HDR_TO), &buf);
	if (len < 0)
		return (int)len;
	struct sip_tsx *ct = sip_tsx_client_new(t->s, &t->dst, buf, (size_t)len, NULL, NULL);
	if (!ct)
		return -ENOMEM;
	t->cancelled = true;
	/* §9.1: no final 64*T1 after the CANCEL: the INVITE times out */
	if (t->state == ST_PROCEEDING)
		timer_start(t, &t->t_timeout, 64 * t1(t->s));
	return 0;
}

int sip_tsx_cancel(struct sip_tsx *ict)
{
	if (!ict || ict->kind != TSX_ICT)
		return -EINVAL;
	if (!ict->s || ict->state == ST_COMPLETED || ict->cancelled || ict->cancel_pending)
		return -EALREADY;
	if (ict->state == ST_CALLING) {
		/* §9.1: not before a provisional response has arrived */
		ict->cancel_pending = true;
		return 0;
	}
	return send_cancel(ict);
}

static void rx_response_ict(struct sip_tsx *t, struct sip_msg *resp)
{
	struct sip_stack *s = t->s;
	int status = resp->status;
	if (t->state == ST_COMPLETED) {
		/* §17.1.1.2: a retransmitted final: ACK again */
		s->stats.retrans_absorbed++;
		if (status >= 300 && t->ack) {
			s->stats.retrans_req_sent++;
			client_xmit(t, t->ack, t->ack_len);
		}
		return;
	}
	if (status < 200) {
		if (t->state == ST_CALLING) {
			t->state = ST_PROCEEDING;
			ev_timer_stop(s->loop, &t->t_retx);
			ev_timer_stop(s->loop, &t->t_timeout);
		}
		if (t->cancel_pending) {
			t->cancel_pending = false;
			send_cancel(t);
		}
		client_deliver(t, resp, status);
		return;
	}
	if (status < 300) {
		/* §17.1.1.2: 2xx goes to the TU; retransmissions arrive stray */
		tsx_terminate(t);
		client_deliver(t, resp, status);
		return;
	}
	t->state = ST_COMPLETED;
	ev_timer_stop(s->loop, &t->t_retx);
	ev_timer_stop(s->loop, &t->t_timeout);
	int rc = build_ack(t, resp);
	if (rc == 0 && client_xmit(t, t->ack, t->ack_len) < 0)
		return;   /* 503 reported */
	if (t->reliable)
		tsx_terminate(t);
	else
		timer_start(t, &t->t_wait, 64 * t1(s) > TIMER_D_MIN ? 64 * t1(s) : TIMER_D_MIN);
	client_deliver(t, resp, status);
}

static void rx_response_nict(struct sip_tsx *t, struct sip_msg *resp)
{
	struct sip_stack *s = t->s;
	int status = resp->status;
	if (t->state == ST_COMPLETED) {
		s->stats.retrans_absorbed++;
		return;
	}
	if (status < 200) {
		/* §17.1.2.2: Proceeding, Timer E continues at T2 */
		t->state = ST_PROCEEDING;
		client_deliver(t, resp, status);
		return;
	}
	t->state = ST_COMPLETED;
	ev_timer_stop(s->loop, &t->t_retx);
	ev_timer_stop(s->loop, &t->t_timeout);
	if (t->reliable)
		tsx_terminate(t);
	else
		timer_start(t, &t->t_wait, s->tm.t4);   /* Timer K */
	client_deliver(t, resp, status);
}

static void rx_response(struct sip_stack *s, struct sip_msg *msg)
{
	struct tkey k;
	key_client(&k, msg->via.branch, msg->cseq_method_str);
	struct tsx_node *n = sip_str_empty(msg->via.branch) ? NULL : tab_find(&s->tab, &k, NULL);
	key_done(&k);
	if (!n || msg->status < 100 || msg->status > 699) {
		if (n == NULL && s->tu.on_stray_response)
			s->tu.on_stray_response(s->tu_arg, msg);
		msg_destroy(msg);
		return;
	}
	struct sip_tsx *t = n->t;
	sip_tsx_ref(t);
	if (t->kind == TSX_ICT)
		rx_response_ict(t, msg);
	else
		rx_response_nict(t, msg);
	sip_tsx_unref(t);
	msg_destroy(msg);
}

struct sip_tsx *sip_tsx_client_new(struct sip_stack *s, const struct sip_dest *dst,
                                   char *buf, size_t len, sip_ct_fn fn, void *arg)
{
	if (!s || !dst || !buf) {
		free(buf);
		errno = EINVAL;
		return NULL;
	}
	struct sip_msg *m = calloc(1, sizeof(*m));
	struct sip_error err;
	if (!m) {
		free(buf);
		errno = ENOMEM;
		return NULL;
	}
	int rc = sip_msg_parse(m, buf, len, 0, &err);
	if (rc < 0 || !m->is_request || m->method == SIP_ACK ||
	    !has_cookie(m->via.branch)) {
		/* an ACK has no transaction (sip_stack_send_stateless) and §8.1.1.7
		 * wants a fresh magic-cookie branch on every request we send */
		tlog_warn("tsx: refusing to send a malformed request (%s)",
		          rc < 0 && err.reason ? err.reason : "no branch or ACK");
		sip_msg_free(m);   /* needed after a failed parse too */
		free(m);
		free(buf);
		errno = EINVAL;
		return NULL;
	}
	struct sip_tsx *t = tsx_alloc(s, m->method == SIP_INVITE ? TSX_ICT : TSX_NICT);
	if (!t) {
		msg_destroy(m);
		free(buf);
		errno = ENOMEM;
		return NULL;
	}
	t->req = m;
	t->buf = buf;
	t->len = len;
	t->dst = *dst;
	t->fn = fn;
	t->arg = arg;
	t->reliable = dst->proto != SIP_PROTO_UDP;
	t->state = t->kind == TSX_ICT ? ST_CALLING : ST_TRYING;

	struct tkey k;
	key_client(&k, m->via.branch, m->cseq_method_str);
	rc = tab_find(&s->tab, &k, NULL) ? -EEXIST : tab_insert(&s->tab, &t->node[0], t, &k);
	key_done(&k);
	if (rc < 0) {
		sip_tsx_unref(t);
		errno = -rc;
		return NULL;
	}
	s->stats.client_tsx++;
	s->stats.client_tsx_total++;

	if (sip_transport_send(s->tp, dst, buf, len) < 0) {
		/* §8.1.3.1: report 503 from the loop, never from inside this call */
		t->send_failed = true;
		timer_start(t, &t->t_timeout, 0.);
		return t;
	}
	/* §17.1.1.2 Timer A / §17.1.2.2 Timer E on UDP; B / F always, all
	 * counted from the moment the request left */
	if (!t->reliable) {
		t->retx_iv = t1(s);
		timer_start(t, &t->t_retx, t->retx_iv);
	}
	timer_start(t, &t->t_timeout, 64 * t1(s));
	return t;
}

int sip_stack_make_via(struct sip_stack *s, const struct sip_dest *dst,
                       struct sip_wbuf *w, char *branch_out, size_t n)
{
	if (!s || !dst || !w)
		return -EINVAL;
	char host[128], branch[64];
	uint16_t port = 0;
	int rc = sip_transport_via_sentby(s->tp, dst->proto,
	                                  (const struct sockaddr *)&dst->addr,
	                                  host, sizeof(host), &port);
	if (rc < 0)
		return rc;
	sip_new_branch(branch, sizeof(branch));
	if (branch_out && n) {
		if (strlen(branch) >= n)
			return -ENOSPC;
		strcpy(branch_out, branch);
	}
	sip_wbuf_printf(w, "Via: SIP/2.0/%s %s:%u;branch=%s;rport\r\n",
	                sip_proto_name(dst->proto), host, (unsigned)port, branch);
	return w->err;
}

void sip_tsx_detach(struct sip_tsx *ct)
{
	if (ct) {
		ct->fn = NULL;
		ct->arg = NULL;
	}
}

/* ------------------------------------------------------------------ */
/* timers */

static void on_retx(struct sip_tsx *t)
{
	struct sip_stack *s = t->s;
	switch (t->kind) {
	case TSX_ICT:
		/* §17.1.1.2 Timer A: doubles, no cap */
		if (t->state != ST_CALLING)
			return;
		s->stats.retrans_req_sent++;
		if (client_xmit(t, t->buf, t->len) < 0)
			return;
		t->retx_iv *= 2;
		break;
	case TSX_NICT:
		/* §17.1.2.2 Timer E: doubles up to T2; T2 once Proceeding */
		if (t->state != ST_TRYING && t->state != ST_PROCEEDING)
			return;
		s->stats.retrans_req_sent++;
		if (client_xmit(t, t->buf, t->len) < 0)
			return;
		t->retx_iv = t->state == ST_PROCEEDING ? s->tm.t2 : t->retx_iv * 2;
		if (t->retx_iv > s->tm.t2)
			t->retx_iv = s->tm.t2;
		break;
	case TSX_IST:
		/* §17.2.1 Timer G, and the 2xx (§13.3.1.4): T1 doubling to T2 */
		if (t->state != ST_COMPLETED && t->state != ST_ACCEPTED)
			return;
		s->stats.retrans_resp_sent++;
		if (send_last_response(t) < 0)
			return;
		t->retx_iv *= 2;
		if (t->retx_iv > s->tm.t2)
			t->retx_iv = s->tm.t2;
		break;
	case TSX_NIST:
		return;
	}
	timer_start(t, &t->t_retx, t->retx_iv);
}

static void on_timeout(struct sip_tsx *t)
{
	struct sip_stack *s = t->s;
	switch (t->kind) {
	case TSX_ICT:
	case TSX_NICT:
		if (t->send_failed)
			client_fail(t, 503);
		else
			client_fail(t, 408);   /* Timer B / F / §9.1 CANCEL guard */
		break;
	case TSX_IST:
		/* §17.2.1 Timer H in Completed; RFC 6026 Timer L in Accepted,
		 * where an unacknowledged 2xx means the TU should BYE (§13.3.1.4) */
		if (t->state == ST_ACCEPTED && t->acked) {
			tsx_terminate(t);
		} else if (t->state == ST_COMPLETED || t->state == ST_ACCEPTED) {
			tlog_info("tsx %.*s: no ACK for our %d", (int)t->req->call_id.len,
			          t->req->call_id.p, t->resp_status);
			s->stats.timeouts++;
			server_error(t, -ETIMEDOUT);
		}
		break;
	case TSX_NIST:
		break;
	}
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sip_tsx *t = w->data;
	struct sip_stack *s = t->s;
	if (!s)
		return;
	stack_enter(s);
	sip_tsx_ref(t);
	if (w == &t->t_retx)
		on_retx(t);
	else if (w == &t->t_timeout)
		on_timeout(t);
	else
		tsx_terminate(t);   /* D, I, J, K: the wait is over */
	sip_tsx_unref(t);
	stack_leave(s);
}

/* ------------------------------------------------------------------ */
/* the stack */

static void apply_timers(struct sip_stack *s, const struct sip_timer_cfg *c)
{
	s->tm.t1 = c && c->t1 > 0 ? c->t1 : 0.5;   /* §17.1.1.1 defaults */
	s->tm.t2 = c && c->t2 > 0 ? c->t2 : 4.0;
	s->tm.t4 = c && c->t4 > 0 ? c->t4 : 5.0;
	if (s->tm.t2 < s->tm.t1)
		s->tm.t2 = s->tm.t1;
}

/* RFC 3261 §8.1.3.1, §17.1.4: a request the transport accepted but could
 * not deliver (connect refused or timed out, TLS handshake failed, reset
 * with it still queued) is a 503 for its client transaction, now rather
 * than after Timer B/F (an unreachable phone's BYE would keep its call
 * 32 s). dst names the closed connection; the transactions whose request
 * went over it are those of its proto and its connection or peer address
 * (one stream connection per peer: sip_stream_send reuses by address). The
 * 503 comes from the loop (send_failed), never inside the transport. */
static void on_transport_error(void *arg, const struct sip_dest *dst, int err)
{
	struct sip_stack *s = arg;
	(void)err;
	for (size_t i = 0; i < s->tab.nb; i++)
		for (struct tsx_node *n = s->tab.b[i]; n; n = n->next) {
			struct sip_tsx *t = n->t;
			if ((t->kind != TSX_ICT && t->kind != TSX_NICT) || &t->node[0] != n ||
			    t->send_failed || t->dst.proto != dst->proto ||
			    (t->state != ST_CALLING && t->state != ST_TRYING &&
			     t->state != ST_PROCEEDING))
				continue;
			if ((dst->conn_id && t->dst.conn_id == dst->conn_id) ||
			    sip_addr_eq((const struct sockaddr *)&t->dst.addr,
			                (const struct sockaddr *)&dst->addr)) {
				t->send_failed = true;
				ev_timer_stop(s->loop, &t->t_retx);
				timer_start(t, &t->t_timeout, 0.);
			}
		}
}

struct sip_stack *sip_stack_new(struct ev_loop *loop, struct sip_transport *tp,
                                const struct sip_timer_cfg *timers,
                                const struct sip_tu_ops *tu, void *tu_arg)
{
	if (!loop || !tp)
		return NULL;
	struct sip_stack *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->loop = loop;
	s->tp = tp;
	apply_timers(s, timers);
	if (tu)
		s->tu = *tu;
	s->tu_arg = tu_arg;
	if (tab_grow(&s->tab) < 0) {
		free(s);
		return NULL;
	}
	sip_transport_set_error_cb(tp, on_transport_error, s);
	return s;
}

void sip_stack_free(struct sip_stack *s)
{
	if (!s)
		return;
	if (s->busy) {
		s->dying = true;   /* called from a callback: free on the way out */
		return;
	}
	stack_destroy(s);
}

void sip_stack_set_timers(struct sip_stack *s, const struct sip_timer_cfg *timers)
{
	if (s)
		apply_timers(s, timers);
}

struct sip_transport *sip_stack_transport(struct sip_stack *s)
{
	return s ? s->tp : NULL;
}

struct ev_loop *sip_stack_loop(struct sip_stack *s)
{
	return s ? s->loop : NULL;
}

void sip_stack_receive(struct sip_stack *s, struct sip_msg *msg)
{
	if (!msg)
		return;
	if (!s || s->dying) {
		msg_destroy(msg);
		return;
	}
	stack_enter(s);
	if (msg->is_request)
		rx_request(s, msg);
	else
		rx_response(s, msg);
	stack_leave(s);
}

int sip_stack_send_stateless(struct sip_stack *s, const struct sip_dest *dst,
                             const char *buf, size_t len)
{
	if (!s || !dst || !buf)
		return -EINVAL;
	return sip_transport_send(s->tp, dst, buf, len);
}

void sip_stack_get_stats(const struct sip_stack *s, struct sip_stack_stats *st)
{
	if (s && st)
		*st = s->stats;
}
