package dev.vigil.rounds.diagnosis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ChildEnvironmentTest {

  @Test
  void credentialsOfOtherServicesAreDroppedAndWhatTheCliNeedsIsKept() {
    Map<String, String> node = Map.ofEntries(
        Map.entry("PATH", "/usr/bin"),
        Map.entry("HOME", "/home/vigil"),
        Map.entry("LANG", "C.UTF-8"),
        Map.entry("ANTHROPIC_API_KEY", "sk-ant-1"),
        Map.entry("ANTHROPIC_BASE_URL", "http://127.0.0.1:9"),
        Map.entry("CLAUDE_CODE_USE_BEDROCK", "0"),
        Map.entry("GITHUB_TOKEN", "ghp_1"),
        Map.entry("GITHUB_REPO", "acme/shop"),
        Map.entry("OPENAI_API_KEY", "sk-1"),
        Map.entry("AWS_SECRET_ACCESS_KEY", "aws-1"),
        Map.entry("AWS_ACCESS_KEY_ID", "AKIA1"),
        Map.entry("DB_PASSWORD", "pw"),
        Map.entry("SLACK_BOT_TOKEN", "xoxb-1"),
        Map.entry("GOOGLE_APPLICATION_CREDENTIALS", "/etc/gcp.json"),
        Map.entry("VIGIL_TOKEN", "node-token"),
        Map.entry("VIGIL_STATE_DIR", "/var/lib/vigil"),
        Map.entry("KEYBOARD_LAYOUT", "us"));

    assertThat(ChildEnvironment.withoutForeignCredentials(node)).containsOnlyKeys(
        "PATH", "HOME", "LANG", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "CLAUDE_CODE_USE_BEDROCK",
        "VIGIL_STATE_DIR", "KEYBOARD_LAYOUT");
  }

  @Test
  void namesAreMatchedWhateverTheirCase() {
    assertThat(ChildEnvironment.removed("github_token")).isTrue();
    assertThat(ChildEnvironment.removed("my_service_key")).isTrue();
    assertThat(ChildEnvironment.removed("anthropic_api_key")).isFalse();
  }
}
