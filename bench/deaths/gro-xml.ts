/**
 * Writes GRO death-registration XML (message-formats.md §1.2, the OGDDeathExtractDWP shape the
 * life-events-platform fixtures reproduce): one DeathRegistrationGroup in the GRO namespace,
 * DeathRegistration elements in file order, then RecordCount. Names are upper case, as GRO
 * sends them. Partial birth dates are PartialMonthOfBirth / PartialYearOfBirth, by default as
 * siblings of where DeceasedBirthDate would be (as in the fixtures), or nested inside it.
 */
import type { GroDate, GroName, GroRegistration } from '../../adapters/gro-deaths/registration.js';

/** The namespace of the DWP variant of GRO's extract. */
export const GRO_NAMESPACE = 'http://www.ons.gov.uk/gro/OGDDeathExtractDWP';

/** Where PartialMonthOfBirth/PartialYearOfBirth go: beside DeceasedBirthDate's place, or inside it. */
export type PartialDateStyle = 'sibling' | 'nested';

/** The file's opening: XML declaration and the root element. */
export function groFileHeader(): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<DeathRegistrationGroup xmlns="${GRO_NAMESPACE}">\n`;
}

/** The file's closing: RecordCount and the end of the root element. */
export function groFileFooter(recordCount: number): string {
  return `<RecordCount>${recordCount}</RecordCount>\n</DeathRegistrationGroup>\n`;
}

/** One DeathRegistration element (a line of its own, ending in a newline). */
export function deathRegistrationXml(r: GroRegistration, style: PartialDateStyle = 'sibling'): string {
  const parts: string[] = ['<DeathRegistration>', el('RegistrationID', r.registrationId)];
  if (r.lockedAt !== null) parts.push(el('RecordLockedDateTime', r.lockedAt));
  if (r.updatedAt !== null) parts.push(el('RecordUpdateDateTime', r.updatedAt));
  if (r.updateReason !== null) parts.push(el('RecordUpdateReason', String(r.updateReason)));
  parts.push(nameXml('DeceasedName', r.name));
  for (const alias of r.aliases) parts.push(nameXml('DeceasedAliasName', alias.name));
  for (const alias of r.aliases) if (alias.type !== null) parts.push(el('DeceasedAliasNameType', alias.type));
  if (r.maidenName !== null) parts.push(el('DeceasedMaidenName', r.maidenName.toUpperCase()));
  parts.push(el('DeceasedGender', r.gender));
  parts.push(dateXml(r.deathDate, 'Death', style));
  parts.push(dateXml(r.birthDate, 'Birth', style));
  const a = r.address;
  const address = [
    a.flat !== null ? el('Flat', a.flat) : '',
    a.building !== null ? el('Building', a.building) : '',
    ...a.lines.map((l) => el('Line', l)),
    a.postcode !== null ? el('Postcode', a.postcode) : '',
  ].join('');
  parts.push(`<DeceasedAddress>${address}</DeceasedAddress>`);
  if (r.nhsNumber !== null) parts.push(el('DeceasedNHSNumber', r.nhsNumber));
  parts.push('</DeathRegistration>\n');
  return parts.join('');
}

function nameXml(tag: string, n: GroName): string {
  const inner = [
    n.title !== null ? el('PersonNameTitle', n.title) : '',
    ...n.givenNames.map((g) => el('PersonGivenName', g.toUpperCase())),
    n.familyName !== null ? el('PersonFamilyName', n.familyName.toUpperCase()) : '',
    n.suffix !== null ? el('PersonNameSuffix', n.suffix) : '',
  ].join('');
  return `<${tag}>${inner}</${tag}>`;
}

function dateXml(d: GroDate, which: 'Death' | 'Birth', style: PartialDateStyle): string {
  const wrapper = `Deceased${which}Date`;
  switch (d.kind) {
    case 'full': {
      const iso = `${d.date.year}-${pad(d.date.month)}-${pad(d.date.day)}`;
      return `<${wrapper}>${el(`Person${which}Date`, iso)}${el('VerificationLevel', d.verificationLevel)}</${wrapper}>`;
    }
    case 'partial': {
      const inner = (d.date.month !== null ? el(`PartialMonthOf${which}`, String(d.date.month)) : '') + el(`PartialYearOf${which}`, String(d.date.year));
      return style === 'nested' ? `<${wrapper}>${inner}</${wrapper}>` : inner;
    }
    case 'free':
      return el(`FreeFormat${which}Date`, d.text);
  }
}

function el(tag: string, text: string): string {
  return `<${tag}>${escapeXml(text)}</${tag}>`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Escapes the five XML special characters for element content. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;'));
}
