// Starts Amazon DynamoDB Local bound to 127.0.0.1. The jar's own main binds its Jetty connector to every interface
// and has no option to change that (`-help` lists none), so this launcher builds the server the way the jar's main
// does (ServerRunner.createServerFromCommandLineArgs), sets the connector's host to loopback, and starts it. It runs
// in Java's source-file mode (`java this-file.java ...`, a JDK 11+), using reflection only so that compiling it needs
// nothing beyond the JDK. Telemetry, which the jar's main configures, is never configured here: nothing is sent.
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
    proxy.getClass().getMethod("start").invoke(proxy);
    proxy.getClass().getMethod("join").invoke(proxy);
  }
}
