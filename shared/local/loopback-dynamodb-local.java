// Starts Amazon DynamoDB Local bound to 127.0.0.1. The jar's own main binds its Jetty connector to every interface
// and has no option to change that (`-help` lists none), so this launcher builds the server the way the jar's main
// does (ServerRunner.createServerFromCommandLineArgs), sets the connector's host to loopback, and starts it. It runs
// in Java's source-file mode (`java this-file.java ...`, a JDK 11+), using reflection only so that compiling it needs
// nothing beyond the JDK. Telemetry, which the jar's main configures, is never configured here: nothing is sent.
// It also exits when its standard input ends: the Node process that started it holds the other end of that pipe, so
// when Node dies, even by `kill -9`, DynamoDB Local does not linger on (holding the port and the --persist files).
import java.lang.reflect.Field;

public class LoopbackDynamoDbLocal {
  public static void main(String[] args) throws Exception {
    Class<?> runner = Class.forName("software.amazon.dynamodb.services.local.main.ServerRunner");
    Object proxy = runner.getMethod("createServerFromCommandLineArgs", String[].class).invoke(null, (Object) args);
    Field field = proxy.getClass().getDeclaredField("server");
    field.setAccessible(true);
    Object server = field.get(proxy);
    Object[] connectors = (Object[]) server.getClass().getMethod("getConnectors").invoke(server);
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local has no connector to bind");
    for (Object connector : connectors) {
      connector.getClass().getMethod("setHost", String.class).invoke(connector, "127.0.0.1");
    }
    Thread parentWatch = new Thread(() -> {
      try {
        while (System.in.read() != -1) {}
      } catch (java.io.IOException ignored) {
        // a broken pipe means the same as its end
      }
      System.exit(0);
    });
    parentWatch.setDaemon(true);
    proxy.getClass().getMethod("start").invoke(proxy);
    parentWatch.start();
    proxy.getClass().getMethod("join").invoke(proxy);
  }
}
