/*
 * bench/sip-parser/sofia: the sofia-sip C parser doing the same work per message as the
 * JavaScript sides of bench/sip-parser (see ../index.ts, which compiles and runs this).
 *
 *   sofia-bench check FILE                 print the rebuilt message once (to eyeball it)
 *   sofia-bench run MS ROUNDS FILE...      time both operations over the files as one row
 *
 * Per message: msg_make() (framing, start line, every header parsed eagerly into sip_t), read
 * the top Via branch, From/To tags, Call-ID, CSeq, Contact URI host and the body; for the
 * second operation also decrement Max-Forwards (msg_fragment_clear marks it for re-encoding,
 * as sofia's own proxies do), insert a new topmost Via (msg_header_insert), then
 * msg_serialize() + msg_prepare() (untouched headers keep their received bytes) and gather
 * the fragments with msg_iovec() into one output buffer, i.e. the bytes a transport would send.
 *
 * Output of `run`: "parse+read <µs/msg> <failures>" and "parse+read+serialize <µs/msg>
 * <failures>", each the best of ROUNDS rounds of about MS milliseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sofia-sip/su_alloc.h>
#include <sofia-sip/msg.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_protos.h>

#define MAX_MESSAGES 64
#define OUT_SIZE 70000

static char const *inputs[MAX_MESSAGES];
static size_t lengths[MAX_MESSAGES];
static int count;
static char out[OUT_SIZE];
static volatile size_t sink;

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static char *read_file(char const *path, size_t *length) {
  FILE *file = fopen(path, "rb");
  if (file == NULL) { perror(path); exit(2); }
  fseek(file, 0, SEEK_END);
  long size = ftell(file);
  fseek(file, 0, SEEK_SET);
  char *data = malloc((size_t)size + 1);
  if (fread(data, 1, (size_t)size, file) != (size_t)size) { perror(path); exit(2); }
  fclose(file);
  data[size] = 0;
  *length = (size_t)size;
  return data;
}

static size_t slen(char const *s) { return s == NULL ? 0 : strlen(s); }

/* parse + read; returns the message (caller destroys) or NULL when sofia rejects it. */
static msg_t *parse_read(char const *data, size_t length) {
  msg_t *msg = msg_make(sip_default_mclass(), 0, data, (ssize_t)length);
  if (msg == NULL) return NULL;
  sip_t *sip = sip_object(msg);
  if (sip == NULL || sip->sip_error != NULL) { msg_destroy(msg); return NULL; }
  size_t n = 0;
  if (sip->sip_via) n += slen(sip->sip_via->v_branch);
  if (sip->sip_from) n += slen(sip->sip_from->a_tag);
  if (sip->sip_to) n += slen(sip->sip_to->a_tag);
  if (sip->sip_call_id) n += slen(sip->sip_call_id->i_id);
  if (sip->sip_cseq) n += sip->sip_cseq->cs_seq;
  if (sip->sip_contact) n += slen(sip->sip_contact->m_url->url_host);
  if (sip->sip_payload) n += sip->sip_payload->pl_len;
  sink += n;
  return msg;
}

/* decrement Max-Forwards, add a Via, serialize into `out`; returns the byte count or -1. */
static long rebuild(msg_t *msg) {
  sip_t *sip = sip_object(msg);
  if (sip->sip_max_forwards) {
    sip->sip_max_forwards->mf_count--;
    msg_fragment_clear(sip->sip_max_forwards->mf_common);
  }
  sip_via_t *via = sip_via_make(msg_home(msg), "SIP/2.0/UDP proxy.example.com:5060;branch=z9hG4bKbench1");
  if (via == NULL || msg_header_insert(msg, (msg_pub_t *)sip, (msg_header_t *)via) < 0) return -1;
  if (msg_serialize(msg, (msg_pub_t *)sip) < 0 || msg_prepare(msg) < 0) return -1;
  msg_iovec_t vec[128];
  isize_t parts = msg_iovec(msg, vec, 128);
  if (parts < 0 || parts > 128) return -1;
  size_t total = 0;
  for (isize_t i = 0; i < parts; i++) {
    if (total + vec[i].mv_len > OUT_SIZE) return -1;
    memcpy(out + total, vec[i].mv_base, vec[i].mv_len);
    total += vec[i].mv_len;
  }
  sink += total;
  return (long)total;
}

static int one(int index, int serialize) {
  msg_t *msg = parse_read(inputs[index], lengths[index]);
  if (msg == NULL) return 1;
  int failed = serialize && rebuild(msg) < 0;
  msg_destroy(msg);
  return failed;
}

/* µs per message, best of `rounds` rounds of about `ms` milliseconds each. */
static double measure(int serialize, double ms, int rounds, int *failures) {
  double best = 1e30;
  long batch = 1;
  *failures = 0;
  for (int i = 0; i < count; i++) *failures += one(i, serialize);
  /* warm-up, and size the batch so one round takes about `ms` */
  for (;;) {
    double start = now_us();
    for (long b = 0; b < batch; b++) for (int i = 0; i < count; i++) one(i, serialize);
    double elapsed = now_us() - start;
    if (elapsed > ms * 100) { batch = (long)(batch * ms * 1000 / elapsed) + 1; break; }
    batch *= 4;
  }
  for (int round = 0; round < rounds; round++) {
    double start = now_us();
    for (long b = 0; b < batch; b++) for (int i = 0; i < count; i++) one(i, serialize);
    double per = (now_us() - start) / (double)(batch * count);
    if (per < best) best = per;
  }
  return best;
}

int main(int argc, char **argv) {
  su_home_init(NULL);
  if (argc == 3 && strcmp(argv[1], "check") == 0) {
    inputs[0] = read_file(argv[2], &lengths[0]);
    msg_t *msg = parse_read(inputs[0], lengths[0]);
    if (msg == NULL) { puts("rejected"); return 1; }
    long n = rebuild(msg);
    if (n < 0) { puts("rebuild failed"); return 1; }
    fwrite(out, 1, (size_t)n, stdout);
    msg_destroy(msg);
    return 0;
  }
  if (argc < 5 || strcmp(argv[1], "run") != 0) {
    fprintf(stderr, "usage: %s run MS ROUNDS FILE... | check FILE\n", argv[0]);
    return 2;
  }
  double ms = atof(argv[2]);
  int rounds = atoi(argv[3]);
  for (int i = 4; i < argc && count < MAX_MESSAGES; i++) inputs[count] = read_file(argv[i], &lengths[count]), count++;
  int failures;
  double us = measure(0, ms, rounds, &failures);
  printf("parse+read %.4f %d\n", us, failures);
  us = measure(1, ms, rounds, &failures);
  printf("parse+read+serialize %.4f %d\n", us, failures);
  return 0;
}
