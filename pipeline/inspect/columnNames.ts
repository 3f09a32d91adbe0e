import type { InputKind } from '../shared/inputSpecs.js';

/*
 * The names shops, platforms and spreadsheets give each canonical column,
 * most telling first, compared without case, spaces or punctuation
 * ("Invoice No." is "invoiceno"). English first, then the common German,
 * French, Spanish and Italian ones.
 */

export const COLUMN_NAMES: Record<InputKind, Record<string, string[]>> = {
  orders: {
    order_id: ['orderid', 'invoiceno', 'invoicenumber', 'invoice', 'invoiceid', 'ordernumber', 'orderno', 'order', 'basketid', 'transactionid',
      'receiptno', 'receipt', 'name', 'bestellnummer', 'rechnungsnummer', 'commande', 'numerocommande', 'pedido', 'ordine'],
    customer_id: ['customerid', 'customerno', 'customernumber', 'customer', 'clientid', 'client', 'householdid', 'userid', 'memberid', 'accountid',
      'email', 'customeremail', 'kundennummer', 'kunde', 'cliente'],
    order_ts: ['orderts', 'orderdate', 'invoicedate', 'createdat', 'transactiontimestamp', 'transactiondate', 'orderdatetime', 'timestamp', 'datetime',
      'date', 'purchasedate', 'paidat', 'bestelldatum', 'datum', 'fecha', 'data'],
    amount: ['amount', 'total', 'ordertotal', 'totalprice', 'salesvalue', 'revenue', 'sales', 'netamount', 'value', 'gross', 'betrag', 'summe',
      'montant', 'importe', 'importo'],
    quantity: ['quantity', 'qty', 'units', 'lineitemquantity', 'menge', 'anzahl', 'quantite', 'cantidad', 'quantita'],
    unit_price: ['unitprice', 'price', 'lineitemprice', 'itemprice', 'preis', 'einzelpreis', 'prix', 'prixunitaire', 'precio', 'prezzo'],
    currency: ['currency', 'currencycode', 'wahrung', 'währung', 'devise', 'moneda', 'valuta'],
    category: ['category', 'productcategory', 'department', 'producttype', 'kategorie', 'catégorie', 'categorie', 'categoria'],
    channel: ['channel', 'saleschannel', 'source', 'sourcename', 'kanal', 'canal'],
    discount_used: ['discountused', 'discounted', 'usedcoupon'],
    product_id: ['productid', 'stockcode', 'sku', 'lineitemsku', 'itemid', 'articleid', 'article', 'artikelnummer'],
    product_name: ['productname', 'description', 'lineitemname', 'itemname', 'title', 'product', 'bezeichnung', 'produit'],
    // order_total is proposed by orderShape.ts (the subtotal, else the total), for an export whose orders' fields are on their first line only.
    order_total: ['subtotal', 'subtotalprice', 'ordersubtotal', 'ordertotal', 'grandtotal'],
    refunded_amount: ['refundedamount', 'refunded', 'refundamount', 'totalrefunded', 'amountrefunded', 'erstattet', 'rembourse'],
    order_status: ['financialstatus', 'paymentstatus', 'orderstatus', 'status', 'zahlungsstatus', 'bestellstatus', 'statut', 'estado'],
    discount_code: ['discountcode', 'discountcodes', 'couponcode', 'coupon', 'promocode', 'vouchercode', 'gutscheincode'],
    customer_name: ['billingname', 'customername', 'shippingname', 'fullname'],
    customer_country: ['billingcountry', 'customercountry', 'shippingcountry', 'country', 'countrycode', 'land', 'pays', 'pais'],
    accepts_marketing: ['acceptsmarketing', 'acceptsemailmarketing', 'emailmarketingconsent', 'marketingoptin', 'emailoptin', 'newsletter', 'optin'],
  },
  customers: {
    customer_id: ['customerid', 'customerno', 'customer', 'clientid', 'client', 'householdid', 'userid', 'id', 'email'],
    signup_date: ['signupdate', 'signup', 'createdat', 'registeredat', 'registrationdate', 'firstseen', 'joined'],
    birth_date: ['birthdate', 'dateofbirth', 'dob', 'birthday'],
    country: ['country', 'countrycode', 'land', 'pays', 'pais'],
    acquisition_channel: ['acquisitionchannel', 'channel', 'source', 'utmsource'],
    opted_out: ['optedout', 'unsubscribed', 'donotcontact'],
    name: ['name', 'fullname', 'customername', 'contactname', 'nom', 'nombre'],
    email: ['email', 'emailaddress', 'mail', 'courriel'],
  },
  tickets: {
    ticket_id: ['ticketid', 'ticket', 'id', 'caseid', 'case'],
    customer_id: ['customerid', 'customer', 'requester', 'email', 'clientid'],
    opened_ts: ['openedts', 'openedat', 'createdat', 'created', 'date'],
    kind: ['kind', 'type', 'category', 'reason'],
    resolved: ['resolved', 'solved', 'closed'],
  },
  referrals: {
    referrer_id: ['referrerid', 'referrer', 'referredby', 'advocateid', 'advocate', 'sponsorid', 'inviterid', 'inviter'],
    referred_id: ['referredid', 'referred', 'refereeid', 'referee', 'friendid', 'friend', 'inviteeid', 'invitee', 'customerid'],
    referral_date: ['referraldate', 'date', 'referredat', 'referredon', 'createdat', 'invitedat'],
  },
};

/** A header name compared the way COLUMN_NAMES lists them. */
export const normalizedName = (name: string) => name.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^a-z0-9]/g, '');

/** The header's columns that could be `canonical`, best first (several when more than one name fits). */
export function candidatesFor(kind: InputKind, canonical: string, header: string[]): string[] {
  const names = COLUMN_NAMES[kind][canonical] ?? [];
  const found: { column: string; rank: number }[] = [];
  for (const column of header) {
    const n = normalizedName(column);
    const rank = names.findIndex((s) => normalizedName(s) === n);
    if (rank !== -1) found.push({ column, rank });
  }
  return found.sort((a, b) => a.rank - b.rank).map((f) => f.column);
}
