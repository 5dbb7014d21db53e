package io.keepwatch.agent;

import io.keepwatch.agent.config.AgentConfig;
import io.keepwatch.agent.config.ProbeSpec;
import io.keepwatch.agent.endpoints.AgentInfo;
import io.keepwatch.agent.endpoints.EndpointHandler;
import io.keepwatch.agent.endpoints.HttpEndpoint;
import io.keepwatch.agent.schedule.ProbeScheduler;
import io.keepwatch.agent.verdict.Judge;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The running agent: probes on a schedule, the verdict, and the endpoints, wired together.
 *
 * <p>Threads, each named: {@code keepwatch-scheduler} (schedules runs, records results, judges),
 * {@code keepwatch-probe-io} (network probes), {@code keepwatch-http} (endpoints, never shared with
 * probes), one {@code keepwatch-proc-NAME} per process probe (short blocking /proc reads).
 */
public final class Agent implements AutoCloseable {

  private final NioEventLoopGroup probeLoop;
  private final NioEventLoopGroup httpLoop;
  private final ScheduledThreadPoolExecutor schedulerThread;
  private final List<ExecutorService> blockingExecutors = new ArrayList<>();
  private final Judge judge;
  private final ProbeScheduler scheduler;
  private HttpEndpoint http;

  private Agent(AgentConfig config) {
    probeLoop = new NioEventLoopGroup(1, new DefaultThreadFactory("keepwatch-probe-io", true));
    httpLoop = new NioEventLoopGroup(1, new DefaultThreadFactory("keepwatch-http", true));
    schedulerThread = new ScheduledThreadPoolExecutor(1, new DefaultThreadFactory("keepwatch-scheduler", true));
    schedulerThread.setRemoveOnCancelPolicy(true);
    judge = new Judge(config.probes(), Clock.systemUTC());
    judge.addListener(new VerdictLog());

    ProbeFactory factory = new ProbeFactory(probeLoop, this::blockingExecutor, page -> {
      // The nginx_* metrics will read these pages; until then the probe's result says enough.
    });
    List<ProbeScheduler.Scheduled> scheduled = new ArrayList<>();
    for (ProbeSpec spec : config.probes()) {
      scheduled.add(new ProbeScheduler.Scheduled(spec.name(), factory.create(spec), spec.interval()));
    }
    scheduler = new ProbeScheduler(scheduled, schedulerThread, judge::record);
  }

  /**
   * Starts probing and serving.
   *
   * @throws IOException when the endpoint cannot be bound; nothing is left running then
   */
  public static Agent start(AgentConfig config, AgentInfo info) throws IOException {
    Agent agent = new Agent(config);
    try {
      agent.http = HttpEndpoint.bind(config.httpListen(), agent.httpLoop, new EndpointHandler(agent.judge::snapshot, info));
    } catch (IOException e) {
      agent.close();
      throw e;
    }
    agent.scheduler.start();
    return agent;
  }

  public Judge judge() {
    return judge;
  }

  public HttpEndpoint http() {
    return http;
  }

  private ExecutorService blockingExecutor(String probeName) {
    ExecutorService executor = Executors.newSingleThreadExecutor(
        new DefaultThreadFactory("keepwatch-proc-" + probeName, true));
    blockingExecutors.add(executor);
    return executor;
  }

  @Override
  public void close() {
    scheduler.close();
    if (http != null) {
      http.close();
    }
    schedulerThread.shutdownNow();
    blockingExecutors.forEach(ExecutorService::shutdownNow);
    probeLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    httpLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    probeLoop.terminationFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
    httpLoop.terminationFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
  }
}
