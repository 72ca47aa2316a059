package io.sluice.protocol;

/** What {@link FrameDecoder#next()} found. */
public enum DecodeStatus {
    /** A whole, valid frame is available. */
    FRAME,
    /** The bytes so far are a valid beginning; read more. */
    NEED_MORE,
    /** The peer closed the stream between frames: a clean end. */
    END_OF_STREAM,
    /** The stream is broken; {@link FrameDecoder#error()} says how. Close the connection. */
    ERROR
}
