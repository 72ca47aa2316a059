package io.sluice.web;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.sse.SseHandler;
import io.javalin.http.staticfiles.Location;
import io.sluice.common.PrivateFiles;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.web.api.AccountApi;
import io.sluice.web.api.DocumentApi;
import io.sluice.web.api.GatewayApi;
import io.sluice.web.api.HealthApi;
import io.sluice.web.api.MonitoringApi;
import io.sluice.web.api.ThrottleApi;
import io.sluice.web.auth.BoundedHashing;
import io.sluice.web.auth.LoginBackoff;
import io.sluice.web.auth.LoginLimiter;
import io.sluice.web.auth.PasswordHasher;
import io.sluice.web.auth.PasswordHashing;
import io.sluice.web.auth.Principal;
import io.sluice.web.auth.RequestAuthenticator;
import io.sluice.web.auth.Role;
import io.sluice.web.auth.Secrets;
import io.sluice.web.auth.Sessions;
import io.sluice.web.auth.SetupGate;
import io.sluice.web.call.CalleeLink;
import io.sluice.web.call.PairStatus;
import io.sluice.web.call.RoleCalls;
import io.sluice.web.http.ApiProblem;
import io.sluice.web.http.HttpsConnector;
import io.sluice.web.http.JsonBodies;
import io.sluice.web.http.OpenApiDocument;
import io.sluice.web.http.OperationsSchemas;
import io.sluice.web.http.RequestGuard;
import io.sluice.web.http.Route;
import io.sluice.web.http.Routes;
import io.sluice.web.http.SecurityHeaders;
import io.sluice.web.http.StandbyGate;
import io.sluice.web.live.LiveFeed;
import io.sluice.web.metrics.SluiceMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The application server. Starts its parts in order — mailbox links, the route table, the live feed, the HTTP server,
 * then the first-start setup token — and closes them in reverse.
 */
public final class WebServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(WebServer.class.getName());
    private static final long SESSION_IDLE_MILLIS = 8 * 3_600_000L;
    private static final long SESSION_MAX_MILLIS = 24 * 3_600_000L;
    private static final String SESSION_OWNER = "session:";
    private static final String TOKEN_OWNER = "token:";

    private final WebContext context;
    private final Consumer<String> announcer;
    private final Deque<AutoCloseable> opened = new ArrayDeque<>();
    private final JsonBodies bodies = new JsonBodies();
    private final Routes routes = new Routes();
    private final SetupGate setup;
    /** Whether this server acts (alone, or the active of a pair): only an acting web offers the first admin's setup. */
    private final PairStatus pair;

    private final Javalin app;
    /** Where the one-time setup link is written, in the web role's data directory. */
    public static final String SETUP_LINK_FILE = "setup-link";

    private volatile String setupToken;
    private volatile Thread setupRetry;
    private final BoundedHashing passwordHashes;

    /** @param announcer receives the lines a person starting the server must see (URL, setup link) */
    public WebServer(WebContext context, Consumer<String> announcer) {
        this(context, announcer, new PasswordHasher());
    }

    /** As {@link #WebServer(WebContext, Consumer)}, hashing passwords with {@code hashing} (bounded here). */
    public WebServer(WebContext context, Consumer<String> announcer, PasswordHashing hashing) {
        this.context = context;
        this.announcer = announcer;
        try {
            PrivateFiles.ensureDirectory(context.dataDir());
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot use the web data directory " + context.dataDir() + ": " + e.getMessage(), e);
        }
        try {
            CalleeLink db = open(new CalleeLink(
                    "db",
                    ServerMailboxes.file(context.mailboxDir(), context.serverName(), ServerMailboxes.DB_SUFFIX),
                    ServerMailboxes.CALLER_WEB,
                    context.callTimeout()));
            CalleeLink services = open(new CalleeLink(
                    "services",
                    ServerMailboxes.file(
                            context.mailboxDir(), context.serverName(), ServerMailboxes.SERVICES_QUERIES_SUFFIX),
                    ServerMailboxes.CALLER_WEB,
                    context.callTimeout()));
            CalleeLink monitor = open(new CalleeLink(
                    "monitor",
                    ServerMailboxes.file(context.mailboxDir(), context.serverName(), ServerMailboxes.MONITOR_SUFFIX),
                    ServerMailboxes.CALLER_WEB,
                    context.callTimeout()));
            List<CalleeLink> links = List.of(db, services, monitor);
            RoleCalls calls = new RoleCalls(bodies.mapper(), db, services);

            Sessions sessions = new Sessions(context.clock(), SESSION_IDLE_MILLIS, SESSION_MAX_MILLIS);
            RequestAuthenticator authenticator = new RequestAuthenticator(sessions, calls, context.clock());
            pair = new PairStatus(context.pairStatusFile());
            RequestGuard guard = new RequestGuard(authenticator, new StandbyGate(pair));
            setup = new SetupGate(calls);
            LiveFeed feed = open(new LiveFeed(
                    calls,
                    bodies,
                    context.liveInterval().toMillis(),
                    owner -> !owner.startsWith(SESSION_OWNER)
                            || sessions.isLive(owner.substring(SESSION_OWNER.length()))));
            sessions.onEnd(id -> feed.end(SESSION_OWNER + id));
            authenticator.onRevoke(name -> feed.end(TOKEN_OWNER + name));
            SluiceMetrics metrics = new SluiceMetrics(feed, calls, links, pair);

            passwordHashes = BoundedHashing.forThisMachine(hashing);
            new AccountApi(
                            calls,
                            bodies,
                            passwordHashes,
                            sessions,
                            new LoginBackoff(context.clock(), 3, 1_000, 900_000, 3_600_000),
                            new LoginLimiter(context.clock(), 30, 300_000),
                            new LoginLimiter(context.clock(), 5, 300_000),
                            authenticator,
                            setup,
                            context.secureCookies())
                    .register(routes);
            new DocumentApi("sla", "slas", true, calls, bodies).register(routes);
            new DocumentApi("policy", "policies", false, calls, bodies).register(routes);
            new DocumentApi("group", "groups", false, calls, bodies).register(routes);
            new GatewayApi(calls, bodies, monitor, context.clock()).register(routes);
            new MonitoringApi(calls, bodies, context.clock()).register(routes);
            new ThrottleApi(calls, bodies, context.clock()).register(routes);
            new HealthApi(calls, bodies, links, monitor, pair).register(routes);
            routes.get(
                    "/api/live/stream",
                    Role.VIEWER,
                    "live",
                    "Server-sent events: a 'live' event each second "
                            + "({volumes, groups, compliance}) or 'unavailable'",
                    (ctx, p) -> {
                        // The stream lives only as long as what let it open: the session, or the token.
                        String owner = p.viaSession()
                                ? SESSION_OWNER + ctx.cookie(RequestAuthenticator.SESSION_COOKIE)
                                : TOKEN_OWNER + p.name();
                        new SseHandler(client -> feed.join(client, owner)).handle(ctx);
                    });
            routes.get(
                    "/metrics",
                    Role.VIEWER,
                    "metrics",
                    "Prometheus exposition: volumes, SLAs, processes, mailboxes, gateways",
                    (ctx, p) -> ctx.contentType(metrics.contentType()).result(metrics.scrape()));
            AtomicReference<ObjectNode> openApi = new AtomicReference<>();
            routes.get("/api/openapi.json", null, "meta", "This document", (ctx, p) -> bodies.send(ctx, openApi.get()))
                    .schemas(null, OperationsSchemas.OPENAPI);
            openApi.set(OpenApiDocument.build(bodies.mapper(), routes));

            HttpsConnector https = context.tls()
                    ? new HttpsConnector(context.tlsCertificate(), context.tlsKey(), context.host(), context.port())
                    : null;
            feed.start();
            app = Javalin.create(config -> {
                config.startup.showJavalinBanner = false;
                config.jetty.host = context.host();
                config.jetty.port = context.port();
                if (https != null) {
                    config.jetty.addConnector(https::create);
                }
                config.http.maxRequestSize = context.maxBodyBytes();
                config.concurrency.useVirtualThreads = true;
                config.staticFiles.add(files -> {
                    files.hostedPath = "/";
                    files.directory = "/web";
                    files.location = Location.CLASSPATH;
                });
                config.staticFiles.enableWebjars();
                config.routes.before(this::beforeEveryRequest);
                for (Route route : routes.all()) {
                    config.routes.addHttpHandler(route.method(), route.path(), ctx -> {
                        Principal principal = guard.check(ctx, route);
                        route.handler().handle(ctx, principal);
                    });
                }
                config.routes.exception(ApiProblem.class, (e, ctx) -> sendProblem(ctx, e, null));
                config.routes.exception(
                        HttpResponseException.class,
                        (e, ctx) -> sendProblem(
                                ctx,
                                ApiProblem.of(
                                        e.getStatus(),
                                        e.getStatus() == 413 ? "too-large" : "http-" + e.getStatus(),
                                        e.getMessage(),
                                        null),
                                null));
                config.routes.exception(
                        Exception.class,
                        (e, ctx) ->
                                sendProblem(ctx, ApiProblem.of(500, "internal", "Internal error", e.toString()), e));
                config.routes.error(404, ctx -> {
                    if (ctx.path().startsWith("/api/")
                            && !String.valueOf(ctx.res().getContentType()).startsWith("application/problem")) {
                        sendProblem(ctx, ApiProblem.notFound("no route " + ctx.method() + " " + ctx.path()), null);
                    }
                });
                config.routes.error(
                        405,
                        ctx -> sendProblem(
                                ctx, ApiProblem.of(405, "method-not-allowed", "Method not allowed", null), null));
            });
            opened.push(app::stop);
            opened.push(feed::disconnectAll);
            app.start();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        announcer.accept("Sluice web server listening on " + url());
        offerSetup();
    }

    private <T extends AutoCloseable> T open(T part) {
        opened.push(part);
        return part;
    }

    private void beforeEveryRequest(Context ctx) {
        SecurityHeaders.apply(
                ctx,
                context.tls()
                        || context.publicUrl() != null && context.publicUrl().startsWith("https://"));
        long length = ctx.contentLength();
        if (length > context.maxBodyBytes()) {
            throw ApiProblem.of(
                    413,
                    "too-large",
                    "Request body too large",
                    "the body may have at most " + context.maxBodyBytes() + " bytes");
        }
    }

    /**
     * Renders {@code problem}. A server-side failure (5xx) is logged in full under a fresh correlation id and shown to
     * the client only as {@link ApiProblem#publicView}: the callers of an API include people who are not signed in, and
     * the detail may quote the database.
     */
    private void sendProblem(Context ctx, ApiProblem problem, Throwable cause) {
        ApiProblem shown = problem;
        if (problem.status() >= 500 && !problem.ownWords()) {
            String correlationId = Secrets.newToken("").substring(0, 16);
            LOG.log(
                    problem.status() == 500 ? System.Logger.Level.ERROR : System.Logger.Level.WARNING,
                    "problem " + correlationId + " answering " + ctx.method() + " " + ctx.path() + ": "
                            + problem.status() + " " + problem.type() + " " + problem.getMessage(),
                    cause);
            shown = problem.publicView(correlationId);
        }
        try {
            if (shown.retryAfterSeconds() > 0) {
                ctx.header("Retry-After", Long.toString(shown.retryAfterSeconds()));
            }
            ctx.status(shown.status())
                    .contentType("application/problem+json")
                    .result(bodies.text(shown.body(ctx.path())));
        } catch (RuntimeException e) {
            // The exchange is already finished (a stream closed at shutdown): nobody to answer.
            LOG.log(System.Logger.Level.DEBUG, "problem not sent: " + problem.getMessage());
        }
    }

    /**
     * Announces a setup link while no user exists; retries in the background until the database answers and, in a pair,
     * until this server is the active one: a standby refuses the setup request, and the token it issued would replace
     * the active's in the shared database, leaving no web that accepts one.
     */
    private void offerSetup() {
        if (tryOfferSetup()) {
            return;
        }
        setupRetry = Thread.ofVirtual().name("web-setup").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(2_000);
                } catch (InterruptedException e) {
                    return;
                }
                if (tryOfferSetup()) {
                    return;
                }
            }
        });
    }

    private boolean tryOfferSetup() {
        if (!pair.acting()) {
            return false;
        }
        try {
            Optional<String> token = setup.issueIfNoUsers();
            if (token.isPresent()) {
                Path file = writeSetupLink(url() + "/#/setup?token=" + token.get());
                setupToken = token.get();
                announcer.accept("No user exists yet. The one-time link to create the first admin is in " + file
                        + " (readable by this server's user only)");
            }
            return true;
        } catch (ApiProblem e) {
            LOG.log(System.Logger.Level.INFO, "setup check waits for the database manager: " + e.detail());
            return false;
        }
    }

    /**
     * The setup link goes to a file only the server's user can read, never to a log or a terminal that others may see:
     * whoever holds the token becomes the first admin.
     */
    private Path writeSetupLink(String link) {
        Path file = context.dataDir().resolve(SETUP_LINK_FILE);
        Path tmp = context.dataDir().resolve(SETUP_LINK_FILE + ".tmp");
        try {
            Files.deleteIfExists(tmp);
            Files.write(Files.createFile(tmp, PrivateFiles.FILE_0600), (link + "\n").getBytes(StandardCharsets.UTF_8));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the setup link to " + file, e);
        }
    }

    public String url() {
        if (context.publicUrl() != null) {
            return context.publicUrl();
        }
        String host = context.host().contains(":") ? "[" + context.host() + "]" : context.host();
        return (context.tls() ? "https://" : "http://") + host + ":" + port();
    }

    public int port() {
        return app.port();
    }

    /** The setup token this start issued, while the first admin has not been created through it. */
    public Optional<String> setupToken() {
        return Optional.ofNullable(setupToken);
    }

    /** The bound on concurrent password hashes, with what it has seen. */
    public BoundedHashing passwordHashes() {
        return passwordHashes;
    }

    /** Every route of the API (for tests and the API document). */
    public List<Route> routes() {
        return routes.all();
    }

    @Override
    public void close() {
        Thread retry = setupRetry;
        if (retry != null) {
            retry.interrupt();
        }
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "closing a part of the web server failed", e);
            }
        }
    }
}
