package io.sluice.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.EpochClock;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsContextsTest {
    @TempDir
    Path dir;

    private CertificateAuthority ca;
    private KeyMaterial server;
    private KeyMaterial gateway;

    @BeforeEach
    void issue() throws Exception {
        ca = CertificateAuthority.create(dir.resolve("ca"), "Sluice test CA", EpochClock.system());
        server = ca.issueKeyMaterial(
                "monitor", List.of("localhost", "127.0.0.1"), CertificateAuthority.Usage.SERVER, Duration.ofDays(1));
        gateway = ca.issueKeyMaterial("gateway-7", List.of(), CertificateAuthority.Usage.CLIENT, Duration.ofDays(1));
    }

    @Test
    void mutualAuthenticationNamesTheClient() throws Exception {
        SSLEngine client =
                TlsContexts.clientEngine(TlsContexts.create(gateway, List.of(ca.certificate())), "127.0.0.1", 7000);
        SSLEngine serverEngine = TlsContexts.serverEngine(
                TlsContexts.create(server, List.of(ca.certificate())), TlsContexts.ClientAuth.REQUIRED);

        InMemoryHandshake.run(client, serverEngine);

        assertThat(serverEngine.getSession().getProtocol()).isEqualTo("TLSv1.3");
        var peer = (X509Certificate) serverEngine.getSession().getPeerCertificates()[0];
        assertThat(Certificates.commonName(peer)).isEqualTo("gateway-7");
    }

    @Test
    void aClientOfAnotherAuthorityIsRefused() throws Exception {
        CertificateAuthority other =
                CertificateAuthority.create(dir.resolve("other"), "Someone else", EpochClock.system());
        KeyMaterial stranger =
                other.issueKeyMaterial("gateway-7", List.of(), CertificateAuthority.Usage.CLIENT, Duration.ofDays(1));
        SSLEngine client =
                TlsContexts.clientEngine(TlsContexts.create(stranger, List.of(ca.certificate())), "127.0.0.1", 7000);
        SSLEngine serverEngine = TlsContexts.serverEngine(
                TlsContexts.create(server, List.of(ca.certificate())), TlsContexts.ClientAuth.REQUIRED);

        assertThatThrownBy(() -> InMemoryHandshake.run(client, serverEngine)).isInstanceOf(SSLException.class);
    }

    @Test
    void aRequiredCertificateMayNotBeLeftOut() throws Exception {
        SSLEngine client =
                TlsContexts.clientEngine(TlsContexts.create(null, List.of(ca.certificate())), "127.0.0.1", 7000);
        SSLEngine serverEngine = TlsContexts.serverEngine(
                TlsContexts.create(server, List.of(ca.certificate())), TlsContexts.ClientAuth.REQUIRED);

        assertThatThrownBy(() -> InMemoryHandshake.run(client, serverEngine)).isInstanceOf(SSLException.class);
    }

    @Test
    void anOptionalCertificateMayBeLeftOut() throws Exception {
        SSLEngine client =
                TlsContexts.clientEngine(TlsContexts.create(null, List.of(ca.certificate())), "localhost", 7000);
        SSLEngine serverEngine = TlsContexts.serverEngine(
                TlsContexts.create(server, List.of(ca.certificate())), TlsContexts.ClientAuth.OPTIONAL);

        InMemoryHandshake.run(client, serverEngine);

        assertThatThrownBy(() -> serverEngine.getSession().getPeerCertificates())
                .isInstanceOf(SSLPeerUnverifiedException.class);
    }

    @Test
    void theServerMustBeNamedForTheHostTheClientDialled() throws Exception {
        SSLContext clientContext = TlsContexts.create(null, List.of(ca.certificate()));
        SSLEngine client = TlsContexts.clientEngine(clientContext, "monitor.example.com", 7000);
        SSLEngine serverEngine =
                TlsContexts.serverEngine(TlsContexts.create(server, List.of()), TlsContexts.ClientAuth.NONE);

        assertThatThrownBy(() -> InMemoryHandshake.run(client, serverEngine)).isInstanceOf(SSLException.class);
    }

    @Test
    void aClientTrustingNobodyRefusesEveryServer() throws Exception {
        SSLEngine client = TlsContexts.clientEngine(TlsContexts.create(null, List.of()), "127.0.0.1", 7000);
        SSLEngine serverEngine =
                TlsContexts.serverEngine(TlsContexts.create(server, List.of()), TlsContexts.ClientAuth.NONE);

        assertThatThrownBy(() -> InMemoryHandshake.run(client, serverEngine)).isInstanceOf(SSLException.class);
    }
}
