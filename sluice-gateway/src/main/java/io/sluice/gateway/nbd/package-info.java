/**
 * The NBD protocol (fixed newstyle, doc/proto.md of NetworkBlockDevice/nbd) as flyweight codecs over byte buffers:
 * {@link io.sluice.gateway.nbd.NbdDescriptor} draws every layout, {@link io.sluice.gateway.nbd.NbdRequestDecoder}
 * judges requests, the reply writers encode replies.
 */
package io.sluice.gateway.nbd;
