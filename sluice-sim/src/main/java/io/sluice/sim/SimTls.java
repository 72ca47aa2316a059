package io.sluice.sim;

import io.sluice.common.EpochClock;
import io.sluice.pki.CertificateAuthority;
import io.sluice.pki.Keys;
import io.sluice.pki.TlsContexts;
import io.sluice.protocol.GatewayCertificateName;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * TLS for simulated gateways (--pki-dir): each gets a client certificate with its own CN, {@code gateway-<id>},
 * issued on its first connection by the server's authority in that directory, for one key pair all of them
 * share (a simulator stands for thousands of hosts; one key spares thousands of key generations and contexts).
 * One TLS context serves them all: its key manager picks the certificate by the engine it is asked for.
 */
public final class SimTls {
    private static final Duration VALIDITY = Duration.ofDays(30);

    private final CertificateAuthority ca;
    private final KeyPair keys = Keys.generate();
    private final Map<Long, X509Certificate[]> chains = new ConcurrentHashMap<>();
    private final Map<SSLEngine, Long> engineGateway = new WeakHashMap<>();
    private final SSLContext context;

    private SimTls(CertificateAuthority ca) {
        this.ca = ca;
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", ca.certificate());
            TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trust);
            context = SSLContext.getInstance(TlsContexts.PROTOCOL);
            context.init(new KeyManager[] {new PerGatewayKeys()}, trustManagers.getTrustManagers(), new SecureRandom());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the simulator's TLS context", e);
        }
    }

    /** The authority kept in {@code pkiDir} (the server's {@code <data-dir>/pki}), which must be this user's. */
    public static SimTls load(Path pkiDir) throws IOException {
        return new SimTls(CertificateAuthority.load(pkiDir, EpochClock.system()));
    }

    /** A client engine for gateway {@code gatewayId}, checking that the monitor's certificate names {@code monitor}'s host. */
    SSLEngine engine(long gatewayId, InetSocketAddress monitor) {
        chains.computeIfAbsent(gatewayId, this::issue);
        SSLEngine engine = TlsContexts.clientEngine(context, monitor.getHostString(), monitor.getPort());
        synchronized (engineGateway) {
            engineGateway.put(engine, gatewayId);
        }
        return engine;
    }

    private X509Certificate[] issue(long gatewayId) {
        try {
            X509Certificate issued = ca.issue(keys.getPublic(), GatewayCertificateName.of(gatewayId), List.of(),
                    CertificateAuthority.Usage.CLIENT, VALIDITY);
            return new X509Certificate[] {issued, ca.certificate()};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Aliases are gateway ids; the engine says which gateway is connecting. */
    private final class PerGatewayKeys extends X509ExtendedKeyManager {
        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            Long gatewayId;
            synchronized (engineGateway) {
                gatewayId = engineGateway.get(engine);
            }
            return gatewayId == null ? null : Long.toString(gatewayId);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return chains.get(Long.parseLong(alias));
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return keys.getPrivate();
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }
}
