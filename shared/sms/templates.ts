/**
 * The SMS texts, one entry per row of the template table in the Solaris mobile number guide, in EN, DE, FR, IT and ES.
 * Where the table has no text for a language (`-`), the entry leaves it out and rendering falls back to English.
 * Placeholders are `{name}`; `otpVariable` names the one that receives the generated OTP, if the text carries one.
 *
 * Deviations from the table, on purpose: stray characters after placeholders in the "Changed Notification" row
 * (`{new_number}s`) are dropped, and the table's `OTP` placeholder is spelled `{tan}` as in the API's
 * `authorization_text_variables` example; `Wallet_Name` is spelled `{wallet_name}` like every other placeholder.
 */
export const LANGUAGES = ['en', 'de', 'fr', 'it', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];

export interface SmsTemplate {
  /** The variable that carries the OTP, when the text is an authorization challenge. */
  otpVariable?: string;
  /**
   * Sent only by the service itself, never chosen through `reauthorize`: the payment text's TAN must be bound to the
   * amount and payee it shows, which only a payment authorization does.
   */
  serviceOnly?: boolean;
  text: { en: string } & Partial<Record<Exclude<Language, 'en'>, string>>;
}

export const SMS_TEMPLATES = {
  'sms.mobile_number.verify_number': {
    otpVariable: 'tan',
    text: {
      en: 'Please verify your mobile number with the following SMS OTP: {tan}',
      de: 'Bitte verifizieren Sie Ihre Handynummer mit folgender TAN: {tan}',
      fr: 'Veuillez confirmer votre numéro de portable avec le code OTP suivant : {tan}',
      it: 'La preghiamo di verificare il Suo numero di cellulare usando il seguente SMS OTP: {tan}',
      es: 'Verifique su número de móvil con el siguiente SMS OTP: {tan}',
    },
  },
  'sms.two_factor.authenticate': {
    otpVariable: 'tan',
    text: {
      en: '{tan} is your OTP for authorization',
      de: '{tan} ist Ihre OTP zur Autorisierung',
      fr: "Voici votre code OTP {tan} pour l'autorisation",
      it: 'Il codice per confermare il Suo numero di telefono è: {tan}',
      es: '{tan} es su OTP para la autorización.',
    },
  },
  'sms.mobile_number.confirm_deletion': {
    otpVariable: 'tan',
    text: {
      en: 'To verify you would like to delete the mobile number you have on file, use the following SMS OTP: {tan}',
      de: 'Um die Löschung Ihrer Handynummer freizugeben, nutzen Sie bitte folgende TAN: {tan}',
      fr: 'Veuillez utiliser le code OTP suivant afin de confirmer la suppression de votre numéro de portable : {tan}',
      it: 'Per confermare la Sua intenzione di cancellare il numero di cellulare registrato usare il seguente codice OTP: {tan}',
      es: 'Para verificar que desea eliminar el número de móvil que tiene archivado, utilice el siguiente SMS OTP: {tan}',
    },
  },
  'sms.mobile_number.deleted_notification': {
    text: {
      en: 'Your mobile number {number} has been removed and can no longer be used for SMS OTP authentication',
      de: 'Ihre Handynummer {number} wurde entfernt und kann nicht mehr für das TAN-Verfahren genutzt werden',
      fr: 'Votre numéro de portable {number} a été supprimé',
      it: "Il Suo numero di cellulare {number} è stato rimosso e non puó piú essere usato per l'autentificazione codice OTP",
      es: 'Su número de móvil {number} ha sido eliminado y ya no puede ser utilizado para la autenticación de sms tan',
    },
  },
  'sms.mobile_number.changed_notification': {
    text: {
      en: 'Your mobile number {old_number} has been replaced by {new_number}',
      de: 'Ihre Handynummer {old_number} wurde durch {new_number} ersetzt',
      fr: 'Votre numéro de portable {old_number} a été remplacé par le numéro {new_number}',
      it: 'Il Suo numero di cellulare {old_number} è stato sostituito con {new_number}',
      es: 'Su número de móvil {old_number} ha sido sustituido por {new_number}',
    },
  },
  // Not in the guide's table: this service's notice of a reset by customer support, sent to the removed number.
  'sms.second_factor.reset_notification': {
    text: {
      en: 'Customer support has reset your second factor. If you did not ask for this, contact your bank immediately.',
      de: 'Der Kundenservice hat Ihren zweiten Faktor zurückgesetzt. Wenn Sie dies nicht veranlasst haben, kontaktieren Sie umgehend Ihre Bank.',
      fr: "Le service client a réinitialisé votre second facteur d'authentification. Si vous n'êtes pas à l'origine de cette demande, contactez immédiatement votre banque.",
      it: 'Il servizio clienti ha reimpostato il Suo secondo fattore di autenticazione. Se non ha richiesto questa operazione, contatti immediatamente la Sua banca.',
      es: 'El servicio de atención al cliente ha restablecido su segundo factor de autenticación. Si no lo ha solicitado, contacte inmediatamente con su banco.',
    },
  },
  'sms.data_change.general': {
    otpVariable: 'tan',
    text: {
      en: 'To authorize the data change, please use the following SMS OTP: {tan}',
      de: 'Um die Datenänderung freizugeben, nutzen sie bitte folgende TAN: {tan}',
      fr: 'Utilisez le code OTP suivant afin de confirmer le changement des données : {tan}',
      it: 'Per autorizzare la modifica dei dati usare il seguente codice OTP: {tan}',
      es: 'Para autorizar el cambio de datos, por favor use el siguiente SMS OTP: {tan}',
    },
  },
  'sms.account.closure': {
    otpVariable: 'tan',
    text: {
      en: 'To complete the account closure of {iban}, use the following SMS OTP: {tan}',
      de: 'Um die Kontoschließung von {iban} freizugeben, nutzen Sie bitte folgende TAN: {tan}',
      fr: 'Afin de confirmer la fermeture du compte ayant pour IBAN {iban}, utilisez le code OTP suivant : {tan}',
      it: 'Per completare il processo di chiusura per {iban} usare il seguente codice OTP: {tan}',
      es: 'Para completar el cierre de la cuenta {iban}, use el siguiente SMS OTP: {tan}',
    },
  },
  'sms.account.add_legal_representative': {
    otpVariable: 'tan',
    text: {
      en: 'To add {name} as a legal representative on your account {iban}, use the following SMS OTP: {tan}',
      de: 'Um {name} als Verfügungsberechtigten zu Ihrem Konto {iban} hinzuzufügen, nutzen Sie bitte folgende TAN: {tan}',
      fr: "Afin d'autoriser {name} à réaliser des opérations sur le compte {iban}, utilisez le code OTP suivant : {tan}",
      it: 'Per aggiungere {name} come rappresentante legale sul tuo conto {iban} usare il seguente codice OTP: {tan}',
      es: 'Para añadir {name} como representante legal en su cuenta {iban}, use el siguiente SMS OTP: {tan}',
    },
  },
  'sms.business.unauthorized_change': {
    text: {
      en: 'There must be at least one legal representative person with a confirmed mobile number present',
      fr: "La présence d'au moins un représentant légal avec un numéro de téléphone mobile confirmé est requise.",
      es: 'Debe haber al menos una persona representante legal con un número de móvil confirmado.',
    },
  },
  'sms.sepa.transaction': {
    otpVariable: 'tan',
    text: {
      en: 'To complete the payment for {iban} of {amount}, use the following SMS OTP: {tan}',
      de: 'Um die Überweisung von {amount} auf IBAN {iban} freizugeben, nutzen Sie bitte folgende TAN: {tan}',
      fr: "Afin d'activer le paiement de {amount} depuis le compte {iban}, utilisez le code OTP suivant : {tan}",
      it: "Per completare il pagamento per {iban} dell'importo di {amount} usare il seguente codice OTP: {tan}",
      es: 'Para completar el pago de {iban} de {amount}, use el siguiente SMS OTP: {tan}',
    },
  },
  'sms.sepa.batch_transaction': {
    otpVariable: 'tan',
    text: {
      en: 'To complete the batch transaction of {count} transactions with a cumulative value of {amount}, use the following SMS OTP: {tan}',
      de: 'Um die Sammelüberweisung von {count} Transaktion über {amount} freizugeben, nutzen Sie bitte folgende TAN: {tan}',
      fr: "Afin d'autoriser l'ensemble des {count} virements d'un montant total de {amount}, utilisez le code OTP suivant : {tan}",
      it: 'Per completare il gruppo di transazioni per i seguenti conti {count} del valore cumulativo di {amount} usare il seguente codice OTP: {tan}',
      es: 'Para completar la transacción por grupo de las transacciones {count} con un valor acumulativo de {amount}, use el siguiente SMS OTP: {tan}',
    },
  },
  'sms.standing_order.create': {
    otpVariable: 'tan',
    text: {
      en: 'To issue the standing order of {amount} for account {iban}, use the following SMS OTP: {tan}',
      de: 'Um den Dauerauftrag von {amount} auf IBAN {iban} freizugeben, nutzen Sie bitte folgende TAN: {tan}',
      fr: "Afin d'autoriser l'ordre de virement permanent d'un montant de {amount} vers le compte {iban}, utilisez le code OTP suivant : {tan}",
      it: "Per procedere con l'ordine di pagamento permanente dell'importo di {amount} per {iban} usare il seguente codice OTP: {tan}",
      es: 'Para emitir la orden permanente de {amount} para la cuenta {iban}, use el siguiente SMS OTP: {tan}',
    },
  },
  'sms.standing_order.cancel': {
    otpVariable: 'tan',
    text: {
      en: 'To delete the standing order of {amount} for account {iban}, use the following SMS OTP: {tan}',
      de: 'Um die Löschung des Dauerauftrags von {amount} auf IBAN {iban} freizugeben, nutzen Sie bitte folgende TAN: {tan}',
      fr: "Afin d'autoriser l'ordre de virement permanent d'un montant de {amount} vers le compte {iban}, utilisez le code OTP suivant : {tan}",
      it: "Per annullare l'ordine di pagamento permanente dell'importo di {amount} per {iban} usare il seguente codice OTP: {tan}",
      es: 'Para emitir la orden permanente de {amount} para la cuenta {iban}, use el siguiente SMS OTP: {tan}',
    },
  },
  'sms.standing_order.update': {
    otpVariable: 'tan',
    text: {
      en: 'To change the standing order of {amount} for account {iban}, use the following SMS OTP: {tan}',
      de: 'Um die Änderung des Dauerauftrags von {amount} auf IBAN {iban} freizugeben, nutzen Sie bitte folgende TAN: {tan}',
      fr: "Afin de confirmer la modification du virement permanent d'un montant de {amount} vers le compte {iban}, utilisez le code OTP suivant : {tan}",
      it: "Per modificare l'ordine di pagamento permanente dell'importo di {amount} per {iban} usare il seguente codice OTP: {tan}",
      es: 'Para cambiar la orden permanente de {amount} para la cuenta {iban}, use el siguiente SMS OTP: {tan}',
    },
  },
  'sms.timed_order.create': {
    otpVariable: 'tan',
    text: {
      en: 'To issue the timed order of {amount} for account {iban}, use the following SMS OTP: {tan}',
      de: 'Um die Terminüberweisung von {amount} auf IBAN {iban} freizugeben, nutzen sie bitte folgende TAN: {tan}',
      fr: "Afin d'activer l'ordre de virement d'un montant de {amount} vers le compte {iban}, utilisez le code OTP suivant : {tan}",
      it: "Per generare l'ordine di pagamento temporaneo di {amount} per {iban} usare il seguente codice OTP: {tan}",
      es: 'Para emitir la transferencia programada de {amount} para la cuenta {iban}, use el siguiente SMS OTP: {tan}',
    },
  },
  'sms.card.online_purchase_3ds': {
    otpVariable: 'passcode',
    text: {
      en: 'Use code {passcode} to authenticate your purchase of {amount} {currency} at {merchant}',
      de: 'Nutzen Sie den Code {passcode} um die Überweisung von {amount} {currency} an {merchant} zu authorisieren',
      fr: 'Utilisez le code {passcode} pour authentifier votre achat de {amount} {currency} chez {merchant}',
      it: 'Usa il codice {passcode} per autenticare il tuo acquisto di {amount} {currency} presso {merchant}',
      es: 'Utilice el código {passcode} para autenticar su compra de {amount} {currency} en {merchant}',
    },
  },
  'sms.card.wallet_provisioning': {
    otpVariable: 'code',
    text: {
      en: 'Your one-time verification code to add your card to {wallet_name} is {code}. The code will expire in 30 minutes.',
      de: 'Ihr einmaliger Bestätigungscode um Ihrer Karte zu {wallet_name} hinzuzufügen lautet {code}. Der Code läuft in 30 Minuten ab.',
      fr: 'Votre code de vérification à usage unique pour ajouter votre carte à {wallet_name} est le {code}. Ce code expirera dans 30 minutes.',
      it: 'Il tuo codice di verifica una tantum per aggiungere la tua carta a {wallet_name} è {code}. Il codice scadrà tra 30 minuti.',
      es: 'Su código de verificación único para agregar su tarjeta a {wallet_name} es {code}. El código caducará en 30 minutos.',
    },
  },
  // Not a row of the guide's table: the payment authorization's text (dynamic linking), in the table's style. The
  // service fills {amount} in the language's format and {payee} as name and account.
  'sms.payment.authorize': {
    otpVariable: 'tan',
    serviceOnly: true,
    text: {
      en: 'To authorize the payment of {amount} to {payee}, use the following SMS OTP: {tan}',
      de: 'Um die Zahlung von {amount} an {payee} freizugeben, nutzen Sie bitte folgende TAN: {tan}',
      fr: "Afin d'autoriser le paiement de {amount} à {payee}, utilisez le code OTP suivant : {tan}",
      it: "Per autorizzare il pagamento dell'importo di {amount} a {payee} usare il seguente codice OTP: {tan}",
      es: 'Para autorizar el pago de {amount} a {payee}, use el siguiente SMS OTP: {tan}',
    },
  },
} as const satisfies Record<string, SmsTemplate>;

export type TemplateKey = keyof typeof SMS_TEMPLATES;
