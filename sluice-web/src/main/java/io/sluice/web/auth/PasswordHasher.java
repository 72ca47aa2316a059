package io.sluice.web.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id password hashes in the PHC string format ({@code $argon2id$v=19$m=..,t=..,p=..$salt$hash}), so the
 * parameters travel with each hash and can be raised later without breaking old ones. The default cost is OWASP's
 * Argon2id minimum (19 MiB, 2 passes, 1 lane).
 */
public final class PasswordHasher implements PasswordHashing {
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();
    private static final int HASH_BYTES = 32;
    private static final int MAX_MEMORY_KIB = 1 << 20;

    private final SecureRandom random = new SecureRandom();
    private final int memoryKib;
    private final int iterations;
    private final int parallelism;
    /** Verified against when a login names no user, so both answers take as long. */
    private final String decoy;

    public PasswordHasher() {
        this(19_456, 2, 1);
    }

    public PasswordHasher(int memoryKib, int iterations, int parallelism) {
        this.memoryKib = memoryKib;
        this.iterations = iterations;
        this.parallelism = parallelism;
        this.decoy = hash("decoy password never used".toCharArray());
    }

    @Override
    public String hash(char[] password) {
        byte[] salt = new byte[16];
        random.nextBytes(salt);
        byte[] out = derive(password, salt, memoryKib, iterations, parallelism);
        return "$argon2id$v=19$m=" + memoryKib + ",t=" + iterations + ",p=" + parallelism + "$"
                + B64.encodeToString(salt) + "$" + B64.encodeToString(out);
    }

    /** False for a wrong password and for anything that is not an Argon2id PHC string we can check. */
    @Override
    public boolean verify(char[] password, String encoded) {
        if (encoded == null) {
            return false;
        }
        String[] parts = encoded.split("\\$");
        if (parts.length != 6 || !parts[1].equals("argon2id") || !parts[2].equals("v=19")) {
            return false;
        }
        try {
            int m = 0;
            int t = 0;
            int p = 0;
            for (String kv : parts[3].split(",")) {
                String[] pair = kv.split("=", 2);
                int v = Integer.parseInt(pair[1]);
                switch (pair[0]) {
                    case "m" -> m = v;
                    case "t" -> t = v;
                    case "p" -> p = v;
                    default -> {
                        return false;
                    }
                }
            }
            if (m < 8 || m > MAX_MEMORY_KIB || t < 1 || t > 16 || p < 1 || p > 16) {
                return false;
            }
            byte[] salt = B64D.decode(parts[4]);
            byte[] expected = B64D.decode(parts[5]);
            return MessageDigest.isEqual(expected, derive(password, salt, m, t, p));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Spends the time of one verification without a user to check against. */
    @Override
    public void burnOneVerification(char[] password) {
        verify(password, decoy);
    }

    private static byte[] derive(char[] password, byte[] salt, int m, int t, int p) {
        Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withSalt(salt)
                .withMemoryAsKB(m)
                .withIterations(t)
                .withParallelism(p)
                .build();
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(params);
        byte[] out = new byte[HASH_BYTES];
        byte[] pw = new String(password).getBytes(StandardCharsets.UTF_8);
        generator.generateBytes(pw, out);
        Arrays.fill(pw, (byte) 0);
        return out;
    }
}
