/* Source of the empty placeholder static library(ies) declared in meson.build:
 * meson wants at least one source per library. Never compiled by the worker build. */
typedef int talkbus_mediasoup_placeholder;
