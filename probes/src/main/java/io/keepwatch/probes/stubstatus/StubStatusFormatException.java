package io.keepwatch.probes.stubstatus;

/** A stub_status body that is not what nginx writes; the message says where and what. */
public final class StubStatusFormatException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public StubStatusFormatException(String message) {
    super(message);
  }
}
