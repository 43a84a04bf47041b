/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The remediation inventory (inventory.h): a fixed pool of client entries,
 * an open-addressed index on the address (linear probing, deletion by
 * backward shift, so no tombstones pile up) and an LRU list threaded
 * through the entries. Everything is allocated once at init; recording an
 * event is a hash, a probe and a list move. One mutex keeps readers on
 * other control threads consistent with the main lcore's writes; events
 * come in at the log's pace, not the packets', so it is never hot.
 */
#include "inventory.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define INV_NONE UINT32_MAX

struct inv_entry {
	struct ctl_client c;
	uint32_t prev; /* toward the most recent */
	uint32_t next; /* toward the least recent */
};

static struct {
	pthread_mutex_t lock;
	struct inv_entry *e;
	uint32_t *slot;       /* entry index + 1; 0 = empty */
	uint32_t slot_mask;
	uint32_t cap;
	uint32_t used;        /* entries handed out (they are never returned) */
	uint32_t head;        /* most recently seen */
	uint32_t tail;        /* least recently seen: the next victim */
	struct ctl_inventory_totals tot;
} inv = {.lock = PTHREAD_MUTEX_INITIALIZER, .head = INV_NONE, .tail = INV_NONE};

static uint32_t addr_hash(const uint8_t *a, uint8_t v)
{
	/* FNV-1a over the address; the table is internal clients only, and an
	 * attacker choosing addresses to collide would first have to own
	 * them. */
	uint32_t h = 2166136261u ^ v;
	for (unsigned i = 0; i < 16; i++) {
		h ^= a[i];
		h *= 16777619u;
	}
	return h;
}

static bool same(const struct ctl_client *c, const uint8_t *a, uint8_t v)
{
	return c->ip_version == v && memcmp(c->addr, a, 16) == 0;
}

/* Slot holding the address, or the empty slot where it would go. */
static uint32_t find_slot(const uint8_t *a, uint8_t v)
{
	uint32_t i = addr_hash(a, v) & inv.slot_mask;

	/* Bounded: the index has twice as many slots as entries. */
	for (uint32_t n = 0; n <= inv.slot_mask; n++) {
		uint32_t s = inv.slot[i];
		if (s == 0 || same(&inv.e[s - 1].c, a, v))
			return i;
		i = (i + 1) & inv.slot_mask;
	}
	return INV_NONE;
}

/* Removes slot i and shifts later members of its run back (Knuth 6.4 R). */
static void slot_delete(uint32_t i)
{
	uint32_t j = i;

	inv.slot[i] = 0;
	for (;;) {
		j = (j + 1) & inv.slot_mask;
		if (inv.slot[j] == 0)
			return;
		const struct ctl_client *c = &inv.e[inv.slot[j] - 1].c;
		uint32_t home = addr_hash(c->addr, c->ip_version) & inv.slot_mask;
		/* Move j to i unless its home lies cyclically in (i, j]. */
		bool stay = i <= j ? (i < home && home <= j) : (i < home || home <= j);
		if (!stay) {
			inv.slot[i] = inv.slot[j];
			inv.slot[j] = 0;
			i = j;
		}
	}
}

static void lru_unlink(uint32_t x)
{
	struct inv_entry *e = &inv.e[x];

	if (e->prev != INV_NONE)
		inv.e[e->prev].next = e->next;
	else
		inv.head = e->next;
	if (e->next != INV_NONE)
		inv.e[e->next].prev = e->prev;
	else
		inv.tail = e->prev;
	e->prev = e->next = INV_NONE;
}

static void lru_push_front(uint32_t x)
{
	struct inv_entry *e = &inv.e[x];

	e->prev = INV_NONE;
	e->next = inv.head;
	if (inv.head != INV_NONE)
		inv.e[inv.head].prev = x;
	inv.head = x;
	if (inv.tail == INV_NONE)
		inv.tail = x;
}

int ctl_inventory_init(uint32_t capacity)
{
	uint32_t slots = 1;

	if (capacity < CTL_INV_MIN_CAPACITY)
		capacity = CTL_INV_MIN_CAPACITY;
	if (capacity > CTL_INV_MAX_CAPACITY)
		capacity = CTL_INV_MAX_CAPACITY;
	while (slots < capacity * 2u)
		slots <<= 1;
	ctl_inventory_free();
	struct inv_entry *e = calloc(capacity, sizeof(*e));
	uint32_t *slot = calloc(slots, sizeof(*slot));
	if (e == NULL || slot == NULL) {
		free(e);
		free(slot);
		return -ENOMEM;
	}
	pthread_mutex_lock(&inv.lock);
	inv.e = e;
	inv.slot = slot;
	inv.slot_mask = slots - 1;
	inv.cap = capacity;
	inv.used = 0;
	inv.head = inv.tail = INV_NONE;
	memset(&inv.tot, 0, sizeof(inv.tot));
	inv.tot.capacity = capacity;
	pthread_mutex_unlock(&inv.lock);
	return 0;
}

void ctl_inventory_free(void)
{
	pthread_mutex_lock(&inv.lock);
	free(inv.e);
	free(inv.slot);
	inv.e = NULL;
	inv.slot = NULL;
	inv.cap = inv.used = 0;
	inv.head = inv.tail = INV_NONE;
	memset(&inv.tot, 0, sizeof(inv.tot));
	pthread_mutex_unlock(&inv.lock);
}

/* An entry for a new client: a fresh one, or the least recently seen. */
static uint32_t take_entry(void)
{
	uint32_t x;

	if (inv.used < inv.cap)
		return inv.used++;
	x = inv.tail;
	const struct ctl_client *old = &inv.e[x].c;
	uint32_t s = find_slot(old->addr, old->ip_version);
	if (s != INV_NONE && inv.slot[s] == x + 1)
		slot_delete(s);
	lru_unlink(x);
	inv.tot.evicted++;
	inv.tot.clients--;
	return x;
}

bool ctl_inventory_record(const struct dp_event *ev, uint64_t ns)
{
	bool rec = false;

	pthread_mutex_lock(&inv.lock);
	if (inv.e == NULL)
		goto out;
	if ((ev->type != DP_EV_BLOCK && ev->type != DP_EV_MONITOR) ||
	    ev->reason != DP_R_SIGNATURE || ev->category >= SIG_CAT_COUNT ||
	    (ev->ip_version != 4 && ev->ip_version != 6)) {
		inv.tot.ignored++;
		goto out;
	}
	uint32_t s = find_slot(ev->src, ev->ip_version);
	if (s == INV_NONE) { /* cannot happen: the index is never full */
		inv.tot.ignored++;
		goto out;
	}
	uint32_t x;
	if (inv.slot[s] != 0) {
		x = inv.slot[s] - 1;
		lru_unlink(x);
	} else {
		x = take_entry();
		/* The eviction may have shifted the run: look again. */
		s = find_slot(ev->src, ev->ip_version);
		inv.slot[s] = x + 1;
		memset(&inv.e[x].c, 0, sizeof(inv.e[x].c));
		memcpy(inv.e[x].c.addr, ev->src, 16);
		inv.e[x].c.ip_version = ev->ip_version;
		inv.e[x].c.first_seen_ns = ns;
		inv.tot.inserted++;
		inv.tot.clients++;
	}
	lru_push_front(x);
	struct ctl_client *c = &inv.e[x].c;
	c->count[ev->category]++;
	if (ev->type == DP_EV_BLOCK)
		c->blocked++;
	else
		c->monitored++;
	if (ns > c->last_seen_ns)
		c->last_seen_ns = ns;
	if (ns < c->first_seen_ns)
		c->first_seen_ns = ns;
	c->last_category = ev->category;
	c->last_action = ev->action;
	size_t nl = ev->name_len < DP_NAME_MAX - 1 ? ev->name_len : DP_NAME_MAX - 1;
	memcpy(c->last_name, ev->name, nl);
	c->last_name[nl] = '\0';
	inv.tot.recorded++;
	rec = true;
out:
	pthread_mutex_unlock(&inv.lock);
	return rec;
}

void ctl_inventory_totals(struct ctl_inventory_totals *out)
{
	pthread_mutex_lock(&inv.lock);
	*out = inv.tot;
	pthread_mutex_unlock(&inv.lock);
}

size_t ctl_inventory_snapshot(struct ctl_client *out, size_t max,
			      struct ctl_inventory_totals *tot)
{
	size_t n = 0;

	pthread_mutex_lock(&inv.lock);
	for (uint32_t x = inv.head; x != INV_NONE && n < max; x = inv.e[x].next)
		out[n++] = inv.e[x].c;
	if (tot != NULL)
		*tot = inv.tot;
	pthread_mutex_unlock(&inv.lock);
	return n;
}

int ctl_inventory_foreach(ctl_client_fn fn, void *arg)
{
	int rc = 0;

	pthread_mutex_lock(&inv.lock);
	for (uint32_t x = inv.head; x != INV_NONE && rc == 0; x = inv.e[x].next)
		rc = fn(&inv.e[x].c, arg);
	pthread_mutex_unlock(&inv.lock);
	return rc;
}
