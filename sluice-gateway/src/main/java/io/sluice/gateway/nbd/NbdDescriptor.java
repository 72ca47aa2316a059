package io.sluice.gateway.nbd;

/**
 * Wire layouts of the NBD protocol (doc/proto.md of NetworkBlockDevice/nbd), fixed newstyle only. Every integer is
 * big-endian (network order). Offsets below are bytes from the start of each message.
 *
 * <h2>Handshake: server greeting (18 bytes), then client flags (4 bytes)</h2>
 *
 * <pre>
 *  S:  0  "NBDMAGIC"             0x4e42444d41474943  (8)
 *  S:  8  "IHAVEOPT"             0x49484156454f5054  (8)
 *  S: 16  handshake flags        FIXED_NEWSTYLE | NO_ZEROES (2)
 *  C:  0  client flags           C_FIXED_NEWSTYLE | C_NO_ZEROES (4); any other bit: hang up
 * </pre>
 *
 * <h2>Option request (16-byte header + data)</h2>
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                 "IHAVEOPT" (8 bytes)                          |  0
 *  +---------------------------------------------------------------+
 *  |                 option (NBD_OPT_*)                            |  8
 *  |                 data length                                   | 12
 *  +---------------------------------------------------------------+
 *  |                 data ...                                      | 16
 *  +---------------------------------------------------------------+
 *  INFO / GO data:  0 name length (4) | 4 name | 4+n count of info requests (2) | 6+n info types (2 each)
 * </pre>
 *
 * <h2>Option reply (20-byte header + data)</h2>
 *
 * <pre>
 *  +---------------------------------------------------------------+
 *  |                 reply magic 0x0003e889045565a9 (8 bytes)      |  0
 *  +---------------------------------------------------------------+
 *  |                 option being answered                         |  8
 *  |                 reply type (NBD_REP_*; bit 31 set = error)    | 12
 *  |                 data length                                   | 16
 *  +---------------------------------------------------------------+
 *  |                 data ...                                      | 20
 *  +---------------------------------------------------------------+
 *  REP_SERVER data: 0 name length (4) | 4 name
 *  REP_INFO data:   0 info type (2) | EXPORT: 2 size (8), 10 transmission flags (2)
 *                                   | BLOCK_SIZE: 2 minimum (4), 6 preferred (4), 10 maximum (4)
 *                                   | NAME: 2 name
 * </pre>
 *
 * <h2>NBD_OPT_EXPORT_NAME reply (10 bytes, + 124 zero bytes unless NO_ZEROES was agreed)</h2>
 *
 * <pre>
 *  0 export size (8) | 8 transmission flags (2) | 10 zeroes (124)
 * </pre>
 *
 * <h2>Transmission: request (28-byte header, then {@code length} bytes of data for WRITE only)</h2>
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                 request magic 0x25609513                      |  0
 *  +-------------------------------+-------------------------------+
 *  |      command flags            |      type (NBD_CMD_*)         |  4
 *  +-------------------------------+-------------------------------+
 *  |                 handle (8 bytes, opaque, echoed in replies)   |  8
 *  +---------------------------------------------------------------+
 *  |                 offset (8 bytes, unsigned)                    | 16
 *  +---------------------------------------------------------------+
 *  |                 length (unsigned)                             | 24
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <h2>Simple reply (16-byte header, then {@code length} bytes of data for a successful READ)</h2>
 *
 * <pre>
 *  +---------------------------------------------------------------+
 *  |                 simple reply magic 0x67446698                 |  0
 *  |                 error (NbdError; 0 = success)                 |  4
 *  +---------------------------------------------------------------+
 *  |                 handle (8 bytes)                              |  8
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <h2>Structured reply chunk (20-byte header + payload), only after NBD_OPT_STRUCTURED_REPLY</h2>
 *
 * <pre>
 *  +---------------------------------------------------------------+
 *  |                 structured reply magic 0x668e33ef             |  0
 *  +-------------------------------+-------------------------------+
 *  |      flags (bit 0 = DONE)     |      type (NBD_REPLY_TYPE_*)  |  4
 *  +-------------------------------+-------------------------------+
 *  |                 handle (8 bytes)                              |  8
 *  +---------------------------------------------------------------+
 *  |                 payload length                                | 16
 *  +---------------------------------------------------------------+
 *  OFFSET_DATA payload:  0 offset (8) | 8 data (payload length - 8)
 *  OFFSET_HOLE payload:  0 offset (8) | 8 hole size (4): that many bytes read as zeroes
 *  BLOCK_STATUS payload: 0 metadata context id (4) | 4 descriptors: extent length (4), NBD_STATE_* flags (4)
 *  ERROR payload:        0 error (4) | 4 message length (2) | 6 message (UTF-8)
 *  ERROR_OFFSET payload: as ERROR, then the offset the error is at (8)
 * </pre>
 *
 * <h2>Metadata contexts (NBD_OPT_LIST_META_CONTEXT / NBD_OPT_SET_META_CONTEXT), only after structured replies</h2>
 *
 * <pre>
 *  option data: 0 export name length (4) | 4 name | 4+n number of queries (4) | queries: length (4), query
 *  REP_META_CONTEXT data: 0 context id (4) | 4 context name ("base:allocation")
 * </pre>
 *
 * NBD_CMD_BLOCK_STATUS is answered with one BLOCK_STATUS chunk (flagged DONE) carrying that id.
 */
public final class NbdDescriptor {
    public static final long NBDMAGIC = 0x4e42444d41474943L;
    public static final long IHAVEOPT = 0x49484156454f5054L;
    public static final long OPTION_REPLY_MAGIC = 0x0003e889045565a9L;
    public static final int REQUEST_MAGIC = 0x25609513;
    public static final int SIMPLE_REPLY_MAGIC = 0x67446698;
    public static final int STRUCTURED_REPLY_MAGIC = 0x668e33ef;

    public static final int GREETING_LENGTH = 18;
    public static final int CLIENT_FLAGS_LENGTH = 4;
    public static final int OPTION_HEADER_LENGTH = 16;
    public static final int OPTION_REPLY_HEADER_LENGTH = 20;
    public static final int EXPORT_NAME_REPLY_LENGTH = 10;
    public static final int EXPORT_NAME_ZEROES = 124;
    public static final int REQUEST_HEADER_LENGTH = 28;
    public static final int SIMPLE_REPLY_HEADER_LENGTH = 16;
    public static final int STRUCTURED_REPLY_HEADER_LENGTH = 20;
    /** Offset field that opens an OFFSET_DATA payload. */
    public static final int OFFSET_DATA_PREFIX_LENGTH = 8;
    /** Error value and message length that open an ERROR payload. */
    public static final int ERROR_PREFIX_LENGTH = 6;

    // Request header offsets.
    public static final int REQUEST_MAGIC_OFFSET = 0;
    public static final int REQUEST_FLAGS_OFFSET = 4;
    public static final int REQUEST_TYPE_OFFSET = 6;
    public static final int REQUEST_HANDLE_OFFSET = 8;
    public static final int REQUEST_OFFSET_OFFSET = 16;
    public static final int REQUEST_LENGTH_OFFSET = 24;

    // Handshake flags (server, 16 bits) and client flags (32 bits).
    public static final int FLAG_FIXED_NEWSTYLE = 1;
    public static final int FLAG_NO_ZEROES = 1 << 1;
    public static final int FLAG_C_FIXED_NEWSTYLE = 1;
    public static final int FLAG_C_NO_ZEROES = 1 << 1;

    // Transmission flags (16 bits).
    public static final int FLAG_HAS_FLAGS = 1;
    public static final int FLAG_READ_ONLY = 1 << 1;
    public static final int FLAG_SEND_FLUSH = 1 << 2;
    public static final int FLAG_SEND_FUA = 1 << 3;
    public static final int FLAG_ROTATIONAL = 1 << 4;
    public static final int FLAG_SEND_TRIM = 1 << 5;
    public static final int FLAG_SEND_WRITE_ZEROES = 1 << 6;
    public static final int FLAG_SEND_DF = 1 << 7;
    public static final int FLAG_CAN_MULTI_CONN = 1 << 8;
    public static final int FLAG_SEND_CACHE = 1 << 10;
    public static final int FLAG_SEND_FAST_ZERO = 1 << 11;

    // Options.
    public static final int OPT_EXPORT_NAME = 1;
    public static final int OPT_ABORT = 2;
    public static final int OPT_LIST = 3;
    public static final int OPT_STARTTLS = 5;
    public static final int OPT_INFO = 6;
    public static final int OPT_GO = 7;
    public static final int OPT_STRUCTURED_REPLY = 8;
    public static final int OPT_LIST_META_CONTEXT = 9;
    public static final int OPT_SET_META_CONTEXT = 10;

    // Option replies.
    public static final int REP_ACK = 1;
    public static final int REP_SERVER = 2;
    public static final int REP_INFO = 3;
    public static final int REP_META_CONTEXT = 4;
    public static final int REP_FLAG_ERROR = 1 << 31;
    public static final int REP_ERR_UNSUP = REP_FLAG_ERROR | 1;
    public static final int REP_ERR_POLICY = REP_FLAG_ERROR | 2;
    public static final int REP_ERR_INVALID = REP_FLAG_ERROR | 3;
    public static final int REP_ERR_UNKNOWN = REP_FLAG_ERROR | 6;
    public static final int REP_ERR_SHUTDOWN = REP_FLAG_ERROR | 7;
    public static final int REP_ERR_TLS_REQD = REP_FLAG_ERROR | 5;
    public static final int REP_ERR_TOO_BIG = REP_FLAG_ERROR | 9;

    // Information types in REP_INFO.
    public static final int INFO_EXPORT = 0;
    public static final int INFO_NAME = 1;
    public static final int INFO_DESCRIPTION = 2;
    public static final int INFO_BLOCK_SIZE = 3;
    public static final int INFO_EXPORT_LENGTH = 12;
    public static final int INFO_BLOCK_SIZE_LENGTH = 14;

    // Commands.
    public static final int CMD_READ = 0;
    public static final int CMD_WRITE = 1;
    public static final int CMD_DISC = 2;
    public static final int CMD_FLUSH = 3;
    public static final int CMD_TRIM = 4;
    public static final int CMD_CACHE = 5;
    public static final int CMD_WRITE_ZEROES = 6;
    public static final int CMD_BLOCK_STATUS = 7;

    // Command flags.
    public static final int CMD_FLAG_FUA = 1;
    public static final int CMD_FLAG_NO_HOLE = 1 << 1;
    public static final int CMD_FLAG_DF = 1 << 2;
    public static final int CMD_FLAG_REQ_ONE = 1 << 3;
    public static final int CMD_FLAG_FAST_ZERO = 1 << 4;

    // Structured reply flags and types.
    public static final int REPLY_FLAG_DONE = 1;
    public static final int REPLY_TYPE_NONE = 0;
    public static final int REPLY_TYPE_OFFSET_DATA = 1;
    public static final int REPLY_TYPE_OFFSET_HOLE = 2;
    public static final int REPLY_TYPE_BLOCK_STATUS = 5;
    /** Bit 15 of a reply type marks an error chunk, whatever its type. */
    public static final int REPLY_TYPE_ERROR_BIT = 1 << 15;

    public static final int REPLY_TYPE_ERROR = REPLY_TYPE_ERROR_BIT | 1;
    public static final int REPLY_TYPE_ERROR_OFFSET = REPLY_TYPE_ERROR_BIT | 2;
    /** Offset and size of an OFFSET_HOLE payload. */
    public static final int OFFSET_HOLE_LENGTH = 12;
    /** Context id that opens a BLOCK_STATUS payload. */
    public static final int BLOCK_STATUS_PREFIX_LENGTH = 4;
    /** One block status descriptor: extent length and flags. */
    public static final int EXTENT_LENGTH = 8;

    // The base:allocation metadata context and its extent flags.
    public static final String BASE_ALLOCATION = "base:allocation";
    /** The id the gateway gives base:allocation in NBD_OPT_SET_META_CONTEXT (its only context). */
    public static final int BASE_ALLOCATION_ID = 1;
    /** Not allocated: writing there may fail with ENOSPC. */
    public static final int STATE_HOLE = 1;
    /** Reads as zeroes. */
    public static final int STATE_ZERO = 1 << 1;

    /** A string (export name, message) MUST NOT be longer than this. */
    public static final int MAX_STRING_LENGTH = 4096;
    /**
     * Requests whose payload (WRITE) or reply data (READ) is at most this long SHOULD NOT be treated as denial of
     * service; it is also the maximum block size the gateway advertises.
     */
    public static final int MAX_PAYLOAD = 1 << 25;
    /** Default preferred block size when none is advertised. */
    public static final int DEFAULT_PREFERRED_BLOCK = 4096;

    private NbdDescriptor() {}
}
