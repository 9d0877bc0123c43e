## «My children»: the list, adding a child step by step, changing and deleting, choosing who to book for.

children-title = <b>My children</b>
children-empty = You have not added any children yet. To book a doctor for a child under 14, add them: you will need their full name, date of birth and OMS policy number.
children-intro = Tap a child to change or delete their data.
children-item =
    <b>{ $name }</b>
    { $relation }, born { $birth_date }
    { $policy }
btn-child-add = ➕ Add a child
btn-child-import = 🏛 Add from Gosuslugi
btn-child-back = « Back

child-details =
    <b>{ $name }</b>
    Date of birth: { $birth_date }
    Sex: { $sex }
    Relation: { $relation }
    { $policy }
child-policy-line = { $kind }: { $policy }
btn-child-change = ✏️ Change
btn-child-delete = 🗑 Delete

child-delete-confirm =
    <b>Delete the data of { $name }?</b>
    It will be removed from the bot. Appointments at clinics are not cancelled.
btn-child-delete-yes = Yes, delete
btn-child-delete-no = No
child-deleted = The child's data is deleted.
child-not-found = This child is not on your list — perhaps their data was already deleted.

## The form's questions. Every typed question shows an example.

child-cancel-hint = Stop — /cancel
child-current = Now: { $value }
child-selected = ✓ { $label }
child-ask-name =
    <b>Step 1 of 6. Child's full name</b>
    Write the child's surname, name and patronymic as on the birth certificate, in Russian letters.
    Example: Иванова Мария Ивановна
child-ask-birth-date =
    <b>Step 2 of 6. Date of birth</b>
    Write the child's date of birth: day, month and year with dots. Children under 14 can be added.
    Example: 01.12.2015
child-ask-sex =
    <b>Step 3 of 6. Child's sex</b>
    Choose with a button below.
child-ask-relation =
    <b>Step 4 of 6. Who the child is to you</b>
    I marked ✓ the option that matches the child's sex: tap it or choose the other.
child-ask-policy-kind =
    <b>Step 5 of 6. The child's OMS policy</b>
    A new-style policy has only a number — 16 digits, no series. An old-style policy has a series and a number.
    Which policy does the child have?
btn-policy-new = New style — number only
btn-policy-old = Old style — series and number
child-ask-new-number =
    <b>Step 6 of 6. Policy number</b>
    Copy the 16 digits of the policy number — spaces are fine, as printed on the policy.
    Example: 8451 9991 2289 9990
child-ask-policy-series =
    <b>Step 6 of 6. Policy series</b>
    Write the series of the old-style policy — the letters or digits before the number. I will ask for the number next.
    Example: ЕАА
child-ask-old-number =
    <b>Step 6 of 6. Policy number</b>
    Series: { $series }. Now write the policy number — digits only.
    Example: 1234567890
child-use-buttons = Here the answer is chosen with a button in the question above.
child-send-text = Please send the answer as text.

child-summary-title = <b>Check the child's data</b>
child-summary-hint = All correct? Tap «Save». To fix something — «Change».
btn-child-save = ✅ Save
btn-child-edit = ✏️ Change
btn-child-close = Close
child-saved = The child's data is saved.

child-fix-title = <b>What should be fixed?</b>
btn-fix-name = Full name
btn-fix-birth-date = Date of birth
btn-fix-sex = Sex
btn-fix-relation = Relation
btn-fix-policy = OMS policy

## Adding from Gosuslugi

import-title =
    <b>Children from Gosuslugi</b>
    Choose a child — I will fill in their data from Gosuslugi, and you check it before saving.
import-empty = Gosuslugi lists no children that are not on your list yet. Add the child by hand.
import-unnamed = Child { $n }
import-filled = The data from Gosuslugi is filled in. Please answer the question below.
import-complete = The data from Gosuslugi is filled in — check it before saving.

## Who to book for

person-me = Me
btn-for-whom = 👤 For: { $person }
person-choose =
    <b>Who are we booking for?</b>
    Booking will be for the chosen person. «My visits» shows everyone's visits, by person.
    Now: { $person }
person-chosen = Now booking for: { $person }

# Answering again after «Назад»: which later answers the form kept.
form-changed-name = Full name changed
form-changed-birth-date = Date of birth changed
form-field-name = full name
form-field-birth-date = date of birth
form-field-sex = sex
form-field-relation = relation
form-field-policy = policy
form-and = { $first } and { $last }
form-kept = { $changed }; { $kept } { $only ->
        [many] are
       *[other] is
    } kept.
