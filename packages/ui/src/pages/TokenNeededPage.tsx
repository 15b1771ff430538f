/** Shown instead of any page once the server answers 401. */
export function TokenNeededPage() {
  const here = `${window.location.origin}${window.location.pathname}`;
  return (
    <div className="page token-page" data-testid="token-needed">
      <div className="card">
        <h1>An access token is needed</h1>
        <p>
          This Runyard server listens on a non-loopback address, so every request must carry its access token (set with{' '}
          <span className="mono">--auth-token</span> or <span className="mono">RUNYARD_AUTH_TOKEN</span> when the server
          was started).
        </p>
        <p>
          Open this page once with the token in its address; the server keeps it in a cookie and removes it from the
          address:
        </p>
        <pre className="code mono" data-testid="token-example">
          {here}?token=&lt;your token&gt;
        </pre>
        <p className="muted">
          Scripts send it as <span className="mono">Authorization: Bearer &lt;token&gt;</span> instead.
        </p>
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => window.location.reload()}
          data-testid="token-retry"
        >
          I have set it, try again
        </button>
      </div>
    </div>
  );
}
