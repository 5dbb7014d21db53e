/*
 * checklat: the second client of bench/abuse_bench.py. Asks GET /check on a new TCP
 * connection every PERIOD_US microseconds for SECONDS seconds (what keepwatch-check does,
 * without bash's own cost) and prints each answer's latency in microseconds, one per line,
 * or a negative code for a failed one (see ask()). C, so the client's own overhead stays in the microseconds.
 *
 *   checklat PORT SECONDS PERIOD_US
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static double ask(int port) {
  static const char request[] = "GET /check HTTP/1.0\r\n\r\n";
  char answer[64];
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
  struct timeval timeout = {.tv_sec = 2};
  double start = now_us();
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) return -1;
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  /* Failures by kind: -1 connect, -2 write, -3 read error or timeout, -4 closed without an
   * answer, -5 an answer other than 200, -6 no answer within 2 s. */
  double took;
  if (connect(s, (struct sockaddr *)&to, sizeof to) != 0) {
    took = -1;
  } else if (write(s, request, sizeof request - 1) != (ssize_t)(sizeof request - 1)) {
    took = -2;
  } else {
    ssize_t n = read(s, answer, sizeof answer);
    took = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? -6 : n < 0 ? -3 : n < 12 ? -4 : memcmp(answer, "HTTP/1.0 200", 12) != 0 ? -5 : now_us() - start;
  }
  close(s);
  return took;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: checklat PORT SECONDS PERIOD_US\n");
    return 64;
  }
  int port = atoi(argv[1]);
  double end = now_us() + atof(argv[2]) * 1e6;
  long period = atol(argv[3]);
  for (long i = 0; i < 10000000 && now_us() < end; i++) {
    printf("%.1f\n", ask(port));
    usleep(period);
  }
  return 0;
}
