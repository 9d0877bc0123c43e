## «Gosuslugi»: linking an ESIA account, the personal data card, unlinking.

gu-login-text =
    <b>Log in with Gosuslugi</b>
    You can book a doctor after logging in with Gosuslugi (ESIA). The account must be <b>confirmed</b>.

    Tap «Log in with Gosuslugi» to open the login page. After logging in, come back to Telegram: I will send the result here.
    The button works for 10 minutes.
gu-btn-login = 🔑 Log in with Gosuslugi
gu-login-unavailable = Logging in with Gosuslugi is not available right now. Please try again a little later.
gu-btn-retry = 🔄 Try again
gu-need-link = To book a doctor, first log in with Gosuslugi.

gu-linked = ✅ <b>Gosuslugi is linked.</b> The account is confirmed — you can book a doctor.
gu-linked-not-confirmed = Gosuslugi is linked, but you cannot book a doctor yet.

gu-card-title = <b>Personal data</b>
gu-card-name = Full name: { $name }
gu-card-birth-date = Date of birth: { $date }
gu-card-level-confirmed = Gosuslugi account: confirmed ✅
gu-card-policy = OMS policy number: { $policy }
gu-card-policy-none = OMS policy number: not given in Gosuslugi
gu-card-insurer = Insurer: { $insurer }
gu-card-attachment = Attached to: { $clinic }
gu-card-attachment-unknown = Attached to: please ask your clinic which one you are attached to
gu-card-relatives = <b>Relatives</b>
gu-card-no-relatives = Gosuslugi lists no children.
gu-card-kid = • { $name } — { $relation }, { $birth }, { $policy }
gu-kid-child = child
gu-kid-no-birth-date = date of birth not given
gu-kid-policy = policy { $policy }
gu-kid-policy-none = no policy given

gu-btn-unlink = 🔓 Unlink Gosuslugi
gu-unlink-confirm =
    <b>Unlink Gosuslugi?</b>
    I will delete the data received from Gosuslugi (name, policy, list of children) and the access key. Your appointments are not cancelled. You can link Gosuslugi again at any time.
gu-btn-unlink-yes = Yes, unlink
gu-btn-unlink-no = No
gu-unlinked = Gosuslugi is unlinked.

gu-not-confirmed =
    <b>The account is not confirmed</b>
    You logged in as { $name }, but your Gosuslugi account is not confirmed. Only a <b>confirmed</b> account can book a doctor.
gu-verifying = Gosuslugi is checking your data right now. Please wait until the check is over — Gosuslugi will notify you.
gu-levels =
    <b>Gosuslugi has three kinds of accounts:</b>
    • <b>simplified</b> — registered with a first and last name and a phone number or e-mail; gives access to a limited list of public services;
    • <b>standard</b> — the user's data has been checked by the Pension Fund and the Ministry of Internal Affairs; gives access to an extended list of services;
    • <b>confirmed</b> — the data has been checked and the person's identity confirmed in one of the available ways; gives access to all services.
gu-how-to-confirm =
    <b>How to confirm the account</b>
    First enter your passport and SNILS in your Gosuslugi profile and wait for the check (this makes a standard account). Then confirm your identity in one of these ways:
    • in person at a service centre (MFC, a Social Fund office) — with your passport and SNILS;
    • with a confirmation code sent by registered mail through Russian Post;
    • through your online bank, if you are its client (e.g. SberBank Online, T-Bank, VTB Online).

    After confirming, tap «Try again».
gu-underage =
    <b>You cannot book on your own yet</b>
    According to Gosuslugi you are under 14. People register on Gosuslugi and book a doctor themselves from the age of 14. A parent can book for a child under 14: they log in with their own Gosuslugi and add the child under «My children».
    I have not linked the account.
gu-cancelled = Logging in with Gosuslugi was cancelled; nothing is linked. To try again, tap «Try again».
gu-failed = Could not get the data from Gosuslugi; nothing is linked. Please try again in a few minutes.

## Demo only: the login without a browser.
gu-btn-demo-login = 🧪 Test login in the chat
gu-demo-title = 🧪 <b>Test login (demo)</b>
    Choose a test person: I will log in as them on the demo Gosuslugi page, as a browser would.
gu-demo-wait = Logging in…
gu-demo-done = 🧪 Test login: { $name }.
gu-demo-hint = 🧪 In the demo you can also log in without a browser: «Test login in the chat».

## The one-time code of a login in the browser, typed in the chat.
gu-code-expected = I am waiting for the 6-digit code from the Gosuslugi login page. Send it as digits, for example: 123 456
gu-code-wrong =
    That code did not match. Send the 6 digits from the Gosuslugi login page, for example: 123 456
    { $left ->
        [one] { $left } try left.
       *[other] { $left } tries left.
    }
gu-code-used-up = No tries are left for the code — nothing was linked. Log in with Gosuslugi again: the login page will show a new code.
gu-code-expired = This code no longer works: the login expired (a code lives 10 minutes) or is already finished. Log in with Gosuslugi again if you need to.
