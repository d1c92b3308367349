/**
 * The few FHIR STU3 shapes the death notification bundle uses, as JSON. Not a FHIR model: only
 * what we emit, so the compiler checks the builder; the validator reads bundles as `unknown`.
 */

export interface Coding {
  system: string;
  code: string;
  display?: string;
}

export interface CodeableConcept {
  coding: Coding[];
}

export interface Reference {
  reference: string;
  display?: string;
}

export interface Identifier {
  extension?: Extension[];
  system: string;
  value: string;
}

export interface HumanName {
  use: 'official';
  family: string;
  given?: string[];
}

export interface Address {
  use: 'home';
  text?: string;
  line?: string[];
  postalCode?: string;
}

export interface ContactPoint {
  system: 'email' | 'phone';
  value: string;
}

/** An extension carries exactly one value[x], or nested extensions (a complex extension). */
export interface Extension {
  url: string;
  extension?: Extension[];
  valueIdentifier?: Identifier;
  valueHumanName?: HumanName;
  valueDateTime?: string;
  valueCodeableConcept?: CodeableConcept;
}

export interface Meta {
  versionId?: string;
  lastUpdated?: string;
  profile?: string[];
}

export interface MessageHeader {
  resourceType: 'MessageHeader';
  id: string;
  meta: Meta;
  extension: Extension[];
  event: Coding;
  receiver?: Reference;
  timestamp: string;
  source: { name: string; contact?: ContactPoint; endpoint: string };
  responsible: Reference;
  focus: Reference[];
}

export interface Communication {
  resourceType: 'Communication';
  id: string;
  meta: Meta;
  identifier: Identifier[];
  status: 'completed';
  subject: Reference;
  sent: string;
  sender: Reference;
  payload: Array<{ contentReference: Reference }>;
}

export interface Patient {
  resourceType: 'Patient';
  id: string;
  meta: Meta;
  extension: Extension[];
  identifier: Identifier[];
  name: HumanName[];
  gender: 'male' | 'female' | 'other' | 'unknown';
  birthDate: string;
  deceasedDateTime?: string;
  address?: Address[];
  generalPractitioner?: Reference[];
}

export interface Organization {
  resourceType: 'Organization';
  id: string;
  meta: Meta;
  identifier: Identifier[];
  name?: string;
}

export interface HealthcareService {
  resourceType: 'HealthcareService';
  id: string;
  meta: Meta;
  identifier: Identifier[];
  providedBy: Reference;
  type: CodeableConcept[];
}

export type BundleResource = MessageHeader | Communication | Patient | Organization | HealthcareService;

export interface BundleEntry {
  fullUrl: string;
  resource: BundleResource;
}

/** A FHIR STU3 Bundle of type message: MessageHeader first. */
export interface FhirBundle {
  resourceType: 'Bundle';
  id: string;
  meta: Meta;
  type: 'message';
  entry: BundleEntry[];
}
