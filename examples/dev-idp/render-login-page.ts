// The dev IdP's login form: plain HTML, escaped, no script; a browser or a script POSTs
// `username` and `password` to the form's action.

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderLoginPage(uid: string, clientId: string, error?: string): string {
  const action = `/interaction/${encodeURIComponent(uid)}/login`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in — development IdP</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family:sans-serif;max-width:22rem;margin:3rem auto">
<h1>Development IdP</h1>
<p>Sign in to <b>${escapeHtml(clientId)}</b>. Not for production use.</p>
${error ? `<p role="alert" style="color:#b00">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${escapeHtml(action)}" id="login">
<label>Username <input name="username" autocomplete="username" autofocus required></label><br>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label><br>
<button type="submit">Sign in</button>
</form>
</body></html>`;
}
