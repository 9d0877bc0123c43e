## «My details» (ESIA_URL=off): the user's own full name, date of birth and OMS policy, typed once.

me-title = <b>My details</b>
me-details =
    <b>{ $name }</b>
    Date of birth: { $birth_date }
    { $policy }
me-empty =
    <b>My details</b>
    To book a doctor, fill in your details once: full name, date of birth and OMS policy number. The clinic finds your record by them.
    Add a child under 14 in «My children».
me-btn-fill = 📝 Fill in
me-btn-change = ✏️ Change
me-saved = Your details are saved.
me-saved-resume = Your details are saved — let us continue booking.

me-ask-name =
    <b>Step 1 of 4. Full name</b>
    Write your surname, first name and patronymic as in your passport.
    Example: Иванов Иван Иванович
me-ask-birth-date =
    <b>Step 2 of 4. Date of birth</b>
    Write your date of birth: day, month and year separated by dots.
    Example: 12.03.1985
me-ask-policy-kind =
    <b>Step 3 of 4. OMS policy</b>
    A new-style policy has only a number — 16 digits, no series. An old-style policy has a series and a number.
    Which policy do you have?
me-ask-new-number =
    <b>Step 4 of 4. Policy number</b>
    Copy the 16 digits of the policy number — spaces are fine, as on the policy.
    Example: 8451 9991 2289 9990
me-ask-policy-series =
    <b>Step 4 of 4. Policy series</b>
    Write the series of the old-style policy — the letters or digits before the number. I will ask for the number next.
    Example: ЕАА
me-ask-old-number =
    <b>Step 4 of 4. Policy number</b>
    Series: { $series }. Now write the policy number — digits only.
    Example: 1234567890
me-summary-title = <b>Check your details</b>

me-err-under-14 = You can book a doctor yourself from the age of 14. A child under 14 is booked by a parent, who adds them in «My children». If the date has a typo, send it again, for example: 12.03.1985
